-- Signals are computed from approved reports when asked (SPEC §2.4); only people's acknowledgements
-- are stored: who looked at a signal, when, with a note (sealed). A report approved later re-opens
-- the signal (compared in the domain), so nothing here needs to be reset.
CREATE TABLE signal_acknowledgements (
    school_id       UUID NOT NULL REFERENCES schools(id),
    subject_kind    TEXT NOT NULL CHECK (subject_kind IN ('pupil', 'group')),
    subject_id      UUID NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('did_it', 'hurt', 'rising')),
    acknowledged_at TIMESTAMPTZ NOT NULL,
    acknowledged_by UUID NOT NULL REFERENCES staff(id),
    note            BYTEA NOT NULL,
    PRIMARY KEY (school_id, subject_kind, subject_id, kind)
);
