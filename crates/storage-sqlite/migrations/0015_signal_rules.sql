-- A school's own signal thresholds (SPEC §2.4). A school without a row uses the defaults of
-- `SignalRules::default()`; who changed them and when is in the audit log (`signal_rules.set`).
-- The checks repeat `SignalRules::validate` so a bad value cannot arrive by another way.
CREATE TABLE signal_rules (
    school_id         BLOB PRIMARY KEY REFERENCES schools(id),
    window_days       INTEGER NOT NULL CHECK (window_days BETWEEN 1 AND 365),
    did_it_reports    INTEGER NOT NULL CHECK (did_it_reports BETWEEN 1 AND 365),
    did_it_categories INTEGER NOT NULL CHECK (did_it_categories BETWEEN 1 AND 365),
    done_to_reports   INTEGER NOT NULL CHECK (done_to_reports BETWEEN 1 AND 365),
    rise_days         INTEGER NOT NULL CHECK (rise_days BETWEEN 1 AND 365),
    rise_min          INTEGER NOT NULL CHECK (rise_min BETWEEN 1 AND 365),
    updated_at        TEXT NOT NULL
) STRICT;
