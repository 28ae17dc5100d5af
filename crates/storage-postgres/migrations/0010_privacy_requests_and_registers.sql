-- The privacy lifecycle, part 1 (SPEC §2.5): each school's retention policy and the details its
-- public privacy statement names; requests of pupils and parents; the registers of disclosures to
-- third parties and of data breaches; the content-free reminder mails about due requests.
-- Free text that may name people (requesters, verification, reasons, recipients, descriptions,
-- measures) is sealed with the school's data key, like report text.

-- One row per school once leadership saved it; without one the defaults of SPEC §2.5 apply.
CREATE TABLE privacy_settings (
    school_id           UUID PRIMARY KEY REFERENCES schools(id),
    report_months       BIGINT NOT NULL,
    logbook_months      BIGINT NOT NULL,
    usage_log_months    BIGINT NOT NULL,
    rejected_days       BIGINT NOT NULL,
    left_pupil_days     BIGINT NOT NULL,
    request_years       BIGINT NOT NULL,
    -- Public: printed in the privacy statement.
    school_contact      TEXT NOT NULL,
    dpo_name            TEXT NOT NULL,
    dpo_contact         TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- A request about one pupil of the school (the composite key keeps it at the pupil's school).
CREATE TABLE privacy_requests (
    id                  UUID PRIMARY KEY,
    school_id           UUID NOT NULL REFERENCES schools(id),
    pupil_id            UUID NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN
                            ('access', 'correction', 'erasure', 'restriction', 'objection', 'portability')),
    requester           TEXT NOT NULL CHECK (requester IN ('parent', 'pupil')),
    received_on         DATE NOT NULL,
    deadline            DATE NOT NULL,
    -- Sealed: the requester's name, what they ask, how identity was checked and by whom.
    requester_name      BYTEA NOT NULL,
    details             BYTEA,
    verification        BYTEA NOT NULL,
    verified_by         BYTEA NOT NULL,
    extended_until      DATE,
    extension_notice_on DATE,
    extension_reason    BYTEA,
    decision            TEXT CHECK (decision IN ('granted', 'partly', 'refused')),
    decision_reasons    BYTEA,
    decided_on          DATE,
    decided_by          UUID REFERENCES staff(id),
    created_by          UUID REFERENCES staff(id),
    created_at          TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);

CREATE INDEX privacy_requests_by_school ON privacy_requests (school_id, decision, deadline);
CREATE INDEX privacy_requests_by_pupil ON privacy_requests (school_id, pupil_id);

CREATE TABLE privacy_disclosures (
    id              UUID PRIMARY KEY,
    school_id       UUID NOT NULL REFERENCES schools(id),
    -- Optional: a disclosure about one pupil (correction and erasure will list these to notify).
    pupil_id        UUID,
    recipient       BYTEA NOT NULL,
    legal_ground    TEXT NOT NULL CHECK (legal_ground IN
                        ('legal_duty', 'public_task', 'legitimate_interest', 'consent')),
    -- Codes of domain::privacy::DataCategory, comma-separated.
    categories      TEXT NOT NULL,
    disclosed_on    DATE NOT NULL,
    purpose         BYTEA NOT NULL,
    recorded_by     UUID REFERENCES staff(id),
    recorded_at     TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);

CREATE INDEX privacy_disclosures_by_school ON privacy_disclosures (school_id, disclosed_on);
CREATE INDEX privacy_disclosures_by_pupil ON privacy_disclosures (school_id, pupil_id);

-- Every breach is documented, notified or not (GDPR art. 33(5)).
CREATE TABLE privacy_breaches (
    id                  UUID PRIMARY KEY,
    school_id           UUID NOT NULL REFERENCES schools(id),
    discovered_at       TIMESTAMPTZ NOT NULL,
    description         BYTEA NOT NULL,
    categories          TEXT NOT NULL,
    people_count        BIGINT NOT NULL CHECK (people_count >= 0),
    risk                TEXT NOT NULL CHECK (risk IN ('unlikely', 'risk', 'high')),
    dpa_notified_at     TIMESTAMPTZ,
    not_notified_reason BYTEA,
    parents_informed    BOOLEAN NOT NULL,
    measures            BYTEA NOT NULL,
    recorded_by         UUID REFERENCES staff(id),
    recorded_at         TIMESTAMPTZ NOT NULL,
    CHECK (dpa_notified_at IS NOT NULL OR not_notified_reason IS NOT NULL)
);

CREATE INDEX privacy_breaches_by_school ON privacy_breaches (school_id, discovered_at);

-- The reminder mail about due requests: at most one a day per person, naming every school of
-- theirs with requests due. A row is the claim (inserted before sending, so several instances send
-- once) and stays as the record.
CREATE TABLE privacy_reminders (
    staff_id    UUID NOT NULL REFERENCES staff(id),
    day         DATE NOT NULL,
    PRIMARY KEY (staff_id, day)
);
