-- Intake decisions on reports, links from typed names to pupils, the notes that redaction and
-- correction leave, recorded decisions on special-data hits; cases and the logbook (SPEC §2.2–2.3).
-- Free text (notes, justifications, titles, logbook entries) is sealed like the report itself.

-- Where a report is in intake; `status` stays what the reporter sees. Only approved reports count.
ALTER TABLE reports ADD COLUMN intake TEXT NOT NULL DEFAULT 'new'
    CHECK (intake IN ('new', 'approved', 'rejected', 'merged'));
-- Optimistic concurrency: every intake change raises it; a save made on an older version conflicts.
ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reports ADD COLUMN decided_at TEXT;
ALTER TABLE reports ADD COLUMN decided_by BLOB REFERENCES staff(id);
ALTER TABLE reports ADD COLUMN reject_reason TEXT
    CHECK (reject_reason IN ('joke', 'spam', 'not_about_children'));
ALTER TABLE reports ADD COLUMN merged_into BLOB REFERENCES reports(id);
-- "Needs verification": what to check with the pupil's own teacher or mentor (sealed); NULL = no.
ALTER TABLE reports ADD COLUMN verification_note BLOB;

CREATE INDEX reports_by_school_intake ON reports (school_id, intake, submitted_hour);
-- Parent keys for the composite foreign keys below: a link, a case or an entry can only ever join
-- a report and a pupil of one and the same school, whatever the application does.
CREATE UNIQUE INDEX reports_school_and_id ON reports (school_id, id);
CREATE UNIQUE INDEX pupils_school_and_id ON pupils (school_id, id);

-- A typed name (a line of report_people) linked to a pupil, or marked "not identifiable" (NULL).
CREATE TABLE report_links (
    report_id   BLOB NOT NULL,
    school_id   BLOB NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('did_it', 'done_to')),
    position    INTEGER NOT NULL,
    pupil_id    BLOB,
    linked_by   BLOB NOT NULL REFERENCES staff(id),
    linked_at   TEXT NOT NULL,
    PRIMARY KEY (report_id, role, position),
    FOREIGN KEY (report_id, role, position)
        REFERENCES report_people (report_id, role, position) ON DELETE CASCADE,
    FOREIGN KEY (school_id, report_id) REFERENCES reports (school_id, id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
) STRICT;

CREATE INDEX report_links_by_pupil ON report_links (school_id, pupil_id);

-- What redaction and correction leave behind: who changed which field, what kind of data, when.
-- Never the removed text.
CREATE TABLE report_edits (
    id          BLOB PRIMARY KEY,
    report_id   BLOB NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    -- 'description', 'contact', 'did_it/0/name', 'message/<id>', …
    field       TEXT NOT NULL,
    -- 'correction', or the kind of data redacted ('health', 'phone', …).
    kind        TEXT NOT NULL,
    edited_by   BLOB NOT NULL REFERENCES staff(id),
    edited_at   TEXT NOT NULL
) STRICT;

CREATE INDEX report_edits_by_report ON report_edits (report_id, edited_at);

-- A special-data hit kept on purpose, with the reason (sealed). Keyed by Hit::resolution_key so the
-- decision survives edits elsewhere in the text.
CREATE TABLE report_hit_decisions (
    report_id       BLOB NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    field           TEXT NOT NULL,
    hit_key         TEXT NOT NULL,
    justification   BLOB NOT NULL,
    decided_by      BLOB NOT NULL REFERENCES staff(id),
    decided_at      TEXT NOT NULL,
    PRIMARY KEY (report_id, field, hit_key)
) STRICT;

-- A case groups reports around a pupil or an incident.
CREATE TABLE cases (
    id          BLOB PRIMARY KEY,
    school_id   BLOB NOT NULL REFERENCES schools(id),
    title       BLOB NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'monitoring', 'closed')),
    owner_id    BLOB REFERENCES staff(id),
    pupil_id    BLOB,
    created_by  BLOB NOT NULL REFERENCES staff(id),
    created_at  TEXT NOT NULL,
    closed_at   TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
) STRICT;

CREATE UNIQUE INDEX cases_school_and_id ON cases (school_id, id);
CREATE INDEX cases_by_school_status ON cases (school_id, status);

CREATE TABLE case_reports (
    case_id     BLOB NOT NULL,
    report_id   BLOB NOT NULL,
    school_id   BLOB NOT NULL,
    PRIMARY KEY (case_id, report_id),
    FOREIGN KEY (school_id, case_id) REFERENCES cases (school_id, id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, report_id) REFERENCES reports (school_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX case_reports_by_report ON case_reports (report_id);

-- The logbook: per pupil, per case, or both.
CREATE TABLE logbook_entries (
    id                  BLOB PRIMARY KEY,
    school_id           BLOB NOT NULL REFERENCES schools(id),
    pupil_id            BLOB,
    case_id             BLOB,
    kind                TEXT NOT NULL CHECK (kind IN ('observation', 'talk_pupil', 'talk_parents',
                            'support_measure', 'limiting_measure', 'referral', 'evaluation')),
    occurred_on         TEXT NOT NULL,
    author_id           BLOB NOT NULL REFERENCES staff(id),
    body                BLOB NOT NULL,
    -- Asked before a measure is recorded (M5 "Informeren"): were the parents told personally, when.
    parents_informed    TEXT CHECK (parents_informed IN ('yes', 'no')),
    parents_informed_on TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT,
    updated_by          BLOB REFERENCES staff(id),
    version             INTEGER NOT NULL DEFAULT 1,
    CHECK (pupil_id IS NOT NULL OR case_id IS NOT NULL),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
    FOREIGN KEY (school_id, case_id) REFERENCES cases (school_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX logbook_by_pupil ON logbook_entries (school_id, pupil_id, occurred_on);
CREATE INDEX logbook_by_case ON logbook_entries (case_id, occurred_on);
