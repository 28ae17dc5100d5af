-- The privacy lifecycle, part 1 (SPEC §2.5): each school's retention policy and the details its
-- public privacy statement names; requests of pupils and parents; the registers of disclosures to
-- third parties and of data breaches; the content-free reminder mails about due requests.
-- Free text that may name people (requesters, verification, reasons, recipients, descriptions,
-- measures) is sealed with the school's data key, like report text.

-- One row per school once leadership saved it; without one the defaults of SPEC §2.5 apply.
CREATE TABLE privacy_settings (
    school_id           BLOB PRIMARY KEY REFERENCES schools(id),
    report_months       INTEGER NOT NULL,
    logbook_months      INTEGER NOT NULL,
    usage_log_months    INTEGER NOT NULL,
    rejected_days       INTEGER NOT NULL,
    left_pupil_days     INTEGER NOT NULL,
    request_years       INTEGER NOT NULL,
    -- Public: printed in the privacy statement.
    school_contact      TEXT NOT NULL,
    dpo_name            TEXT NOT NULL,
    dpo_contact         TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;

-- A request about one pupil of the school (the composite key keeps it at the pupil's school).
CREATE TABLE privacy_requests (
    id                  BLOB PRIMARY KEY,
    school_id           BLOB NOT NULL REFERENCES schools(id),
    pupil_id            BLOB NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN
                            ('access', 'correction', 'erasure', 'restriction', 'objection', 'portability')),
    requester           TEXT NOT NULL CHECK (requester IN ('parent', 'pupil')),
    received_on         TEXT NOT NULL,
    deadline            TEXT NOT NULL,
    -- Sealed: the requester's name, what they ask, how identity was checked and by whom.
    requester_name      BLOB NOT NULL,
    details             BLOB,
    verification        BLOB NOT NULL,
    verified_by         BLOB NOT NULL,
    extended_until      TEXT,
    extension_notice_on TEXT,
    extension_reason    BLOB,
    decision            TEXT CHECK (decision IN ('granted', 'partly', 'refused')),
    decision_reasons    BLOB,
    decided_on          TEXT,
    decided_by          BLOB REFERENCES staff(id),
    created_by          BLOB REFERENCES staff(id),
    created_at          TEXT NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
) STRICT;

CREATE INDEX privacy_requests_by_school ON privacy_requests (school_id, decision, deadline);
CREATE INDEX privacy_requests_by_pupil ON privacy_requests (school_id, pupil_id);

CREATE TABLE privacy_disclosures (
    id              BLOB PRIMARY KEY,
    school_id       BLOB NOT NULL REFERENCES schools(id),
    -- Optional: a disclosure about one pupil (correction and erasure will list these to notify).
    pupil_id        BLOB,
    recipient       BLOB NOT NULL,
    legal_ground    TEXT NOT NULL CHECK (legal_ground IN
                        ('legal_duty', 'public_task', 'legitimate_interest', 'consent')),
    -- Codes of domain::privacy::DataCategory, comma-separated.
    categories      TEXT NOT NULL,
    disclosed_on    TEXT NOT NULL,
    purpose         BLOB NOT NULL,
    recorded_by     BLOB REFERENCES staff(id),
    recorded_at     TEXT NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
) STRICT;

CREATE INDEX privacy_disclosures_by_school ON privacy_disclosures (school_id, disclosed_on);
CREATE INDEX privacy_disclosures_by_pupil ON privacy_disclosures (school_id, pupil_id);

-- Every breach is documented, notified or not (GDPR art. 33(5)).
CREATE TABLE privacy_breaches (
    id                  BLOB PRIMARY KEY,
    school_id           BLOB NOT NULL REFERENCES schools(id),
    discovered_at       TEXT NOT NULL,
    description         BLOB NOT NULL,
    categories          TEXT NOT NULL,
    people_count        INTEGER NOT NULL CHECK (people_count >= 0),
    risk                TEXT NOT NULL CHECK (risk IN ('unlikely', 'risk', 'high')),
    dpa_notified_at     TEXT,
    not_notified_reason BLOB,
    parents_informed    INTEGER NOT NULL,
    measures            BLOB NOT NULL,
    recorded_by         BLOB REFERENCES staff(id),
    recorded_at         TEXT NOT NULL,
    CHECK (dpa_notified_at IS NOT NULL OR not_notified_reason IS NOT NULL)
) STRICT;

CREATE INDEX privacy_breaches_by_school ON privacy_breaches (school_id, discovered_at);

-- The reminder mail about due requests: at most one a day per person, naming every school of
-- theirs with requests due. A row is the claim (inserted before sending, so several instances send
-- once) and stays as the record.
CREATE TABLE privacy_reminders (
    staff_id    BLOB NOT NULL REFERENCES staff(id),
    day         TEXT NOT NULL,
    PRIMARY KEY (staff_id, day)
) STRICT;
