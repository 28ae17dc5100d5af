-- A name fingerprint serves only the burst check: does another report of the last two hours name
-- the same person (`signaal_domain::report::names::BURST_WINDOW_HOURS`)? The retention job now
-- removes fingerprints once that window has passed (SPEC §2.5: kept no longer than needed), so
-- anonymising a year-old report no longer has them to delete. What was kept longer goes here,
-- leaving a day for reports still in their window. Hours are stored as RFC 3339 text in UTC, so
-- text order is time order.
DELETE FROM report_name_marks
    WHERE submitted_hour < strftime('%Y-%m-%dT%H:%M:%S', 'now', '-1 day');
