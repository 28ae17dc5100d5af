-- Anonymous reports, their mailbox, per-school data keys and form settings.
-- Typed text (description, names, groups, contact, messages) is stored sealed (XChaCha20-Poly1305
-- with the school's data key); the columns here never hold it readably. Nothing about the reporter's
-- connection has a column.

-- One row: a probe sealed with the master key, so a wrong key is refused at start-up.
CREATE TABLE installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    key_probe   BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE school_keys (
    school_id   BLOB PRIMARY KEY REFERENCES schools(id),
    wrapped     BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE school_forms (
    school_id        BLOB PRIMARY KEY REFERENCES schools(id),
    categories       TEXT NOT NULL,
    places           TEXT NOT NULL,
    frame_ancestors  TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE TABLE reports (
    id              BLOB PRIMARY KEY,
    school_id       BLOB NOT NULL REFERENCES schools(id),
    receipt_hash    BLOB NOT NULL,
    submitted_hour  TEXT NOT NULL,
    reporter_role   TEXT NOT NULL,
    place           TEXT NOT NULL,
    event_date      TEXT,
    part_of_day     TEXT,
    frequency       TEXT NOT NULL,
    -- What the reporter sees: received, in_progress, handled.
    status          TEXT NOT NULL DEFAULT 'received',
    burst           INTEGER NOT NULL DEFAULT 0,
    description     BLOB NOT NULL,
    contact         BLOB,
    UNIQUE (school_id, receipt_hash)
) STRICT;

CREATE INDEX reports_by_school_hour ON reports (school_id, submitted_hour);

CREATE TABLE report_categories (
    report_id   BLOB NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    PRIMARY KEY (report_id, category)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_people (
    report_id   BLOB NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('did_it', 'done_to')),
    position    INTEGER NOT NULL,
    name        BLOB,
    group_name  BLOB,
    PRIMARY KEY (report_id, role, position)
) STRICT;

-- Keyed fingerprints of "who did it" names, for the burst check; deleted with their report.
CREATE TABLE report_name_marks (
    school_id       BLOB NOT NULL REFERENCES schools(id),
    fingerprint     BLOB NOT NULL,
    submitted_hour  TEXT NOT NULL,
    report_id       BLOB NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    PRIMARY KEY (school_id, fingerprint, submitted_hour, report_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE report_messages (
    id          BLOB PRIMARY KEY,
    report_id   BLOB NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    author      TEXT NOT NULL CHECK (author IN ('reporter', 'school')),
    body        BLOB NOT NULL,
    sent_at     TEXT NOT NULL
) STRICT;

CREATE INDEX report_messages_by_report ON report_messages (report_id, sent_at);
