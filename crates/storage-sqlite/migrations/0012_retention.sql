-- Retention and anonymisation (SPEC §2.5): when a report or a pupil was anonymised, the grade kept
-- of a person line once its typed name and link are gone, and leases so one job runs once.
ALTER TABLE reports ADD COLUMN anonymised_at TEXT;
ALTER TABLE pupils ADD COLUMN anonymised_at TEXT;
-- The grade of the linked pupil, copied when the link is removed: kept for statistics.
ALTER TABLE report_people ADD COLUMN grade INTEGER;

CREATE INDEX reports_to_anonymise ON reports (school_id, submitted_hour) WHERE anonymised_at IS NULL;
CREATE INDEX pupils_left_to_anonymise ON pupils (school_id, left_on)
    WHERE left_on IS NOT NULL AND anonymised_at IS NULL;
CREATE INDEX logbook_by_school_written ON logbook_entries (school_id, created_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);
-- Anonymising a report deletes its name fingerprints by report (the key starts with the school).
CREATE INDEX report_name_marks_by_report ON report_name_marks (report_id);

-- A job that must run once across instances holds its lease until it expires or is released.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;
