-- What anonymisation removes lives apart from what stays (SPEC §2.5), so anonymising deletes narrow
-- rows instead of writing new versions of a report row with six indexes (docs/PERFORMANCE.md,
-- "Retention at 10 million again"). A report is anonymised when it has no `report_contents` row.

-- The typed text and the exact day of a report. The school and the hour are copied so the
-- retention job finds a school's due contents on this table's own index.
CREATE TABLE report_contents (
    report_id          UUID PRIMARY KEY,
    school_id          UUID NOT NULL,
    submitted_hour     TIMESTAMPTZ NOT NULL,
    description        BYTEA NOT NULL,
    contact            BYTEA,
    verification_note  BYTEA,
    event_day          DATE,
    FOREIGN KEY (school_id, report_id) REFERENCES reports (school_id, id) ON DELETE CASCADE
);
CREATE INDEX report_contents_due ON report_contents (school_id, submitted_hour);
-- The retention job sweeps reports past their term across schools in the order they were written
-- (`signaal_storage::retention`): a step's contents then lie on neighbouring pages.
CREATE INDEX report_contents_in_written_order ON report_contents (submitted_hour, report_id);

-- Reports the sweep anonymised, per school and part of the sweep (parts run at once and each
-- writes its own rows), since that school's last audit entry. Written in the sweep's own
-- transactions, so none goes unaudited when a run stops; the school's next retention batch moves
-- the count into its audit entry and deletes the rows.
CREATE TABLE retention_tallies (
    school_id   UUID NOT NULL REFERENCES schools(id),
    part        BIGINT NOT NULL,
    reports     BIGINT NOT NULL,
    PRIMARY KEY (school_id, part)
);

-- The typed name and group of a person line; the line itself (role, position, kept grade) stays.
CREATE TABLE report_person_names (
    report_id   UUID NOT NULL,
    role        TEXT NOT NULL,
    position    BIGINT NOT NULL,
    name        BYTEA,
    group_name  BYTEA,
    PRIMARY KEY (report_id, role, position),
    FOREIGN KEY (report_id, role, position)
        REFERENCES report_people (report_id, role, position) ON DELETE CASCADE
);

-- The month stays on the report from the start (it is all that stays of the day).
ALTER TABLE reports ADD COLUMN event_month DATE;
UPDATE reports SET event_month = date_trunc('month', event_date)::date WHERE event_date IS NOT NULL;

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
ALTER TABLE reports DROP COLUMN description, DROP COLUMN contact, DROP COLUMN verification_note,
    DROP COLUMN event_date, DROP COLUMN anonymised_at;
ALTER TABLE report_people DROP COLUMN name, DROP COLUMN group_name;
-- A dropped column's bytes stay in every row version until the table is written again: both are
-- rewritten now, so the moved text is not left behind for anonymisation to miss. The reports go
-- in school order, the order the overviews read them in.
CLUSTER reports USING reports_by_school_hour;
CLUSTER report_people USING report_people_pkey;

-- The overviews find a school's approved reports by month (the exact day of a live report is in
-- its contents); the expression is the one the queries use (`storage-postgres/src/overview.rs`).
CREATE INDEX reports_by_school_month ON reports (school_id, intake,
    (COALESCE(event_month, date_trunc('month', submitted_hour AT TIME ZONE 'UTC')::date)));
