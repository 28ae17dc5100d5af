-- A name fingerprint serves only the burst check: does another report of the last two hours name
-- the same person (`signaal_domain::report::names::BURST_WINDOW_HOURS`)? The retention job now
-- removes fingerprints once that window has passed (SPEC §2.5: kept no longer than needed), so
-- anonymising a year-old report no longer has them to delete. What was kept longer goes here,
-- leaving a day for reports still in their window.
DELETE FROM report_name_marks WHERE submitted_hour < now() - interval '1 day';
-- What is left is small: written again, so a scan of the table does not read the emptied pages.
CLUSTER report_name_marks USING report_name_marks_pkey;
