-- The retention sweep anonymises reports in the order they were written
-- (`signaal_storage::retention`). Report ids are random, so finding each report's typed names and
-- links by its id read one index page per report from anywhere in the index: at 10 million
-- reports most of a step's time (docs/PERFORMANCE.md, "Retention by the hours walked"). The rows
-- now carry their report's submission hour, and a step finds them by the hours it walked.
-- An index on the hour alone: many rows share an hour, so it stays small.
--
-- Every row gets a new version: the indexes go first and are built again afterwards, in one sort
-- each (kept while updating, each row's new entry went to a random page: over 7 minutes for the
-- names of 10 million reports, not finished).
SET LOCAL maintenance_work_mem = '256MB';
SET LOCAL work_mem = '256MB';

ALTER TABLE report_person_names DROP CONSTRAINT report_person_names_pkey;
ALTER TABLE report_person_names ADD COLUMN submitted_hour TIMESTAMPTZ;
UPDATE report_person_names n SET submitted_hour = r.submitted_hour
    FROM reports r WHERE r.id = n.report_id;
ALTER TABLE report_person_names ALTER COLUMN submitted_hour SET NOT NULL;
ALTER TABLE report_person_names ADD PRIMARY KEY (report_id, role, position);
CREATE INDEX report_person_names_by_hour ON report_person_names (submitted_hour);

ALTER TABLE report_links DROP CONSTRAINT report_links_pkey;
DROP INDEX report_links_by_pupil;
ALTER TABLE report_links ADD COLUMN submitted_hour TIMESTAMPTZ;
UPDATE report_links l SET submitted_hour = r.submitted_hour
    FROM reports r WHERE r.id = l.report_id;
ALTER TABLE report_links ALTER COLUMN submitted_hour SET NOT NULL;
ALTER TABLE report_links ADD PRIMARY KEY (report_id, role, position);
CREATE INDEX report_links_by_pupil ON report_links (school_id, pupil_id);
CREATE INDEX report_links_by_hour ON report_links (submitted_hour);
