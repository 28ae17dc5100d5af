-- The overview pages count approved reports of one school by the report's day (the reported date,
-- else the UTC day of submission). Without this index each page read every approved report of the
-- school, whatever the period. The expression is the one the queries use
-- (`storage-sqlite/src/overview.rs`, `day = ...`), written identically: SQLite only uses an index
-- on an expression for that same expression.
CREATE INDEX reports_by_school_day ON reports
    (school_id, intake, COALESCE(event_date, substr(submitted_hour, 1, 10)));
