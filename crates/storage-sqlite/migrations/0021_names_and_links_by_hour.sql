-- The retention sweep anonymises reports in the order they were written
-- (`signaal_storage::retention`). Report ids are random, so finding each report's typed names and
-- links by its id read one index page per report from anywhere in the index (measured on
-- PostgreSQL at 10 million reports, docs/PERFORMANCE.md, "Retention by the hours walked"). The
-- rows now carry their report's submission hour, and a step finds them by the hours it walked.
-- Kept the same on SQLite.
ALTER TABLE report_person_names ADD COLUMN submitted_hour TEXT NOT NULL DEFAULT '';
UPDATE report_person_names SET submitted_hour =
    (SELECT r.submitted_hour FROM reports r WHERE r.id = report_person_names.report_id);
CREATE INDEX report_person_names_by_hour ON report_person_names (submitted_hour);

ALTER TABLE report_links ADD COLUMN submitted_hour TEXT NOT NULL DEFAULT '';
UPDATE report_links SET submitted_hour =
    (SELECT r.submitted_hour FROM reports r WHERE r.id = report_links.report_id);
CREATE INDEX report_links_by_hour ON report_links (submitted_hour);
