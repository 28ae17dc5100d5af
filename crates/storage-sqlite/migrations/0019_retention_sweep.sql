-- The retention job anonymises reports past their term across all schools in the order they were
-- written (docs/PERFORMANCE.md, issue 7): a batch then lies on neighbouring pages.
CREATE INDEX reports_due_in_written_order ON reports (submitted_hour, id) WHERE anonymised_at IS NULL;

-- Reports the written-order sweep anonymised, per school, since that school's last audit entry.
-- Written in the sweep's own transactions, so none goes unaudited when a run stops; the school's
-- next retention batch moves the count into its audit entry and deletes the row.
CREATE TABLE retention_tallies (
    school_id   BLOB PRIMARY KEY REFERENCES schools(id),
    reports     INTEGER NOT NULL
) STRICT;
