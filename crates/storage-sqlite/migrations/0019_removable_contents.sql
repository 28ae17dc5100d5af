-- What anonymisation removes lives apart from what stays (SPEC §2.5), so anonymising deletes narrow
-- rows instead of writing new versions of a report row with six indexes (docs/PERFORMANCE.md,
-- "Retention at 10 million again"). A report is anonymised when it has no `report_contents` row.

-- The typed text and the exact day of a report. The school and the hour are copied so the
-- retention job finds a school's due contents on this table's own index.
CREATE TABLE report_contents (
    report_id          BLOB PRIMARY KEY,
    school_id          BLOB NOT NULL,
    submitted_hour     TEXT NOT NULL,
    description        BLOB NOT NULL,
    contact            BLOB,
    verification_note  BLOB,
    event_day          TEXT,
    FOREIGN KEY (school_id, report_id) REFERENCES reports (school_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX report_contents_due ON report_contents (school_id, submitted_hour);
-- The retention job sweeps reports past their term across schools in the order they were written
-- (`signaal_storage::retention`): a step's contents then lie on neighbouring pages.
CREATE INDEX report_contents_in_written_order ON report_contents (submitted_hour, report_id);

-- Reports the sweep anonymised, per school and part of the sweep (parts run at once and each
-- writes its own rows), since that school's last audit entry. Written in the sweep's own
-- transactions, so none goes unaudited when a run stops; the school's next retention batch moves
-- the count into its audit entry and deletes the rows.
CREATE TABLE retention_tallies (
    school_id   BLOB NOT NULL REFERENCES schools(id),
    part        INTEGER NOT NULL,
    reports     INTEGER NOT NULL,
    PRIMARY KEY (school_id, part)
) STRICT;

-- The typed name and group of a person line; the line itself (role, position, kept grade) stays.
CREATE TABLE report_person_names (
    report_id   BLOB NOT NULL,
    role        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    name        BLOB,
    group_name  BLOB,
    PRIMARY KEY (report_id, role, position),
    FOREIGN KEY (report_id, role, position)
        REFERENCES report_people (report_id, role, position) ON DELETE CASCADE
) STRICT;

-- The month stays on the report from the start (it is all that stays of the day).
ALTER TABLE reports ADD COLUMN event_month TEXT;
UPDATE reports SET event_month = substr(event_date, 1, 7) || '-01' WHERE event_date IS NOT NULL;

INSERT INTO report_contents (report_id, school_id, submitted_hour, description, contact,
        verification_note, event_day)
    SELECT id, school_id, submitted_hour, description, contact, verification_note, event_date
    FROM reports WHERE anonymised_at IS NULL;
INSERT INTO report_person_names (report_id, role, position, name, group_name)
    SELECT p.report_id, p.role, p.position, p.name, p.group_name
    FROM report_people p JOIN reports r ON r.id = p.report_id
    WHERE r.anonymised_at IS NULL;

-- The grade of a linked pupil is now kept on the line when the link is made, not when it goes.
UPDATE report_people SET grade = g.grade
    FROM report_links l JOIN pupils p ON p.id = l.pupil_id JOIN groups g ON g.id = p.group_id
    WHERE l.report_id = report_people.report_id AND l.role = report_people.role
      AND l.position = report_people.position;

DROP INDEX reports_to_anonymise;
DROP INDEX reports_by_school_day;
ALTER TABLE reports DROP COLUMN description;
ALTER TABLE reports DROP COLUMN contact;
ALTER TABLE reports DROP COLUMN verification_note;
ALTER TABLE reports DROP COLUMN event_date;
ALTER TABLE reports DROP COLUMN anonymised_at;
ALTER TABLE report_people DROP COLUMN name;
ALTER TABLE report_people DROP COLUMN group_name;

-- The overviews find a school's approved reports by month (the exact day of a live report is in
-- its contents); the expression is the one the queries use (`storage-sqlite/src/overview.rs`, written identically).
CREATE INDEX reports_by_school_month ON reports (school_id, intake,
    COALESCE(event_month, substr(submitted_hour, 1, 7) || '-01'));
