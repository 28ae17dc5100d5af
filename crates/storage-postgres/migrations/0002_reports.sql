-- Anonymous reports, their mailbox, per-school data keys and form settings.
-- Typed text (description, names, groups, contact, messages) is stored sealed (XChaCha20-Poly1305
-- with the school's data key); the columns here never hold it readably. Nothing about the reporter's
-- connection has a column.

-- One row: a probe sealed with the master key, so a wrong key is refused at start-up.
CREATE TABLE installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    key_probe   BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE school_keys (
    school_id   UUID PRIMARY KEY REFERENCES schools(id),
    wrapped     BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE school_forms (
    school_id        UUID PRIMARY KEY REFERENCES schools(id),
    categories       TEXT NOT NULL,
    places           TEXT NOT NULL,
    frame_ancestors  TEXT NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE reports (
    id              UUID PRIMARY KEY,
    school_id       UUID NOT NULL REFERENCES schools(id),
    receipt_hash    BYTEA NOT NULL,
    submitted_hour  TIMESTAMPTZ NOT NULL,
    reporter_role   TEXT NOT NULL,
    place           TEXT NOT NULL,
    event_date      DATE,
    part_of_day     TEXT,
    frequency       TEXT NOT NULL,
    -- What the reporter sees: received, in_progress, handled.
    status          TEXT NOT NULL DEFAULT 'received',
    burst           BOOLEAN NOT NULL DEFAULT FALSE,
    description     BYTEA NOT NULL,
    contact         BYTEA,
    UNIQUE (school_id, receipt_hash)
);

CREATE INDEX reports_by_school_hour ON reports (school_id, submitted_hour);

CREATE TABLE report_categories (
    report_id   UUID NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    PRIMARY KEY (report_id, category)
);

CREATE TABLE report_people (
    report_id   UUID NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('did_it', 'done_to')),
    position    BIGINT NOT NULL,
    name        BYTEA,
    group_name  BYTEA,
    PRIMARY KEY (report_id, role, position)
);

-- Keyed fingerprints of "who did it" names, for the burst check; deleted with their report.
CREATE TABLE report_name_marks (
    school_id       UUID NOT NULL REFERENCES schools(id),
    fingerprint     BYTEA NOT NULL,
    submitted_hour  TIMESTAMPTZ NOT NULL,
    report_id       UUID NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    PRIMARY KEY (school_id, fingerprint, submitted_hour, report_id)
);

CREATE TABLE report_messages (
    id          UUID PRIMARY KEY,
    report_id   UUID NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    author      TEXT NOT NULL CHECK (author IN ('reporter', 'school')),
    body        BYTEA NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL
);

CREATE INDEX report_messages_by_report ON report_messages (report_id, sent_at);
