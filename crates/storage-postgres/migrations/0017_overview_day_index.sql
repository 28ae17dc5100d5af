-- The overview pages count approved reports of one school by the report's day (the reported date,
-- else the UTC day of submission). Without this index each page read every approved report of the
-- school, whatever the period. The expression is the one the queries use
-- (`storage-postgres/src/overview.rs`, `day = ...`); it is immutable (a fixed time zone), so it
-- can be indexed.
CREATE INDEX reports_by_school_day ON reports
    (school_id, intake, (COALESCE(event_date, (submitted_hour AT TIME ZONE 'UTC')::date)));
