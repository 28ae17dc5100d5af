-- The retention job anonymises reports past their term across all schools in the order they were
-- written (docs/PERFORMANCE.md, issue 7): a batch then lies on neighbouring pages, where one
-- school's batch lay one report per page across the whole table.
CREATE INDEX reports_due_in_written_order ON reports (submitted_hour, id) WHERE anonymised_at IS NULL;

-- Reports the written-order sweep anonymised, per school, since that school's last audit entry.
-- Written in the sweep's own transactions, so none goes unaudited when a run stops; the school's
-- next retention batch moves the count into its audit entry and deletes the row.
CREATE TABLE retention_tallies (
    school_id   UUID PRIMARY KEY REFERENCES schools(id),
    reports     BIGINT NOT NULL
);

-- Room on every page for the new version of a person line: anonymising one (its typed name gone,
-- the linked grade kept) then stays on its page and leaves the primary key alone (a HOT update).
ALTER TABLE report_people SET (fillfactor = 80);
