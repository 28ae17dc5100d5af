-- Carrying out the rights of correction, erasure, restriction and objection (GDPR art. 16–18, 21):
-- what leadership did for a request (with sealed reasons), restrictions of a pupil until lifted, and
-- one view of every pupil whose processing is paused (an active restriction, or an objection not
-- yet decided) that the overviews, signals and freezing checks read.

-- What was done for a request: the action code, counts and ids (never text) and the sealed reasons.
CREATE TABLE privacy_request_actions (
    id          UUID PRIMARY KEY,
    school_id   UUID NOT NULL REFERENCES schools(id),
    request_id  UUID NOT NULL REFERENCES privacy_requests(id),
    action      TEXT NOT NULL CHECK (action IN ('correction', 'erasure', 'restriction', 'lift')),
    outcome     TEXT NOT NULL,
    reasons     BYTEA NOT NULL,
    acted_by    UUID REFERENCES staff(id),
    acted_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX privacy_request_actions_by_request ON privacy_request_actions (request_id, acted_at);

-- A restriction of processing (art. 18) from a restriction request, until lifted; lifting records
-- the day the requester was told.
CREATE TABLE pupil_restrictions (
    id          UUID PRIMARY KEY,
    school_id   UUID NOT NULL REFERENCES schools(id),
    pupil_id    UUID NOT NULL,
    request_id  UUID NOT NULL REFERENCES privacy_requests(id),
    started_at  TIMESTAMPTZ NOT NULL,
    started_by  UUID REFERENCES staff(id),
    lifted_at   TIMESTAMPTZ,
    lifted_by   UUID REFERENCES staff(id),
    informed_on DATE,
    CHECK ((lifted_at IS NULL) = (informed_on IS NULL)),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);

-- At most one active restriction per pupil.
CREATE UNIQUE INDEX pupil_restrictions_active ON pupil_restrictions (school_id, pupil_id)
    WHERE lifted_at IS NULL;
CREATE INDEX pupil_restrictions_by_request ON pupil_restrictions (request_id);
-- Open objections are found per pupil by the view below.
CREATE INDEX privacy_requests_open_objections ON privacy_requests (school_id, pupil_id)
    WHERE kind = 'objection' AND decision IS NULL;

CREATE VIEW paused_pupils AS
    SELECT school_id, pupil_id, 'restriction' AS reason FROM pupil_restrictions
        WHERE lifted_at IS NULL
    UNION ALL
    SELECT school_id, pupil_id, 'objection' AS reason FROM privacy_requests
        WHERE kind = 'objection' AND decision IS NULL;
