-- Boards, schools, school years, groups, pupils, staff and the audit chain.
CREATE TABLE boards (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    is_demo     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE schools (
    id          BLOB PRIMARY KEY,
    board_id    BLOB NOT NULL REFERENCES boards(id),
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    is_demo     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE school_years (
    id          BLOB PRIMARY KEY,
    school_id   BLOB NOT NULL REFERENCES schools(id),
    label       TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    UNIQUE (school_id, starts_on)
) STRICT;

CREATE TABLE groups (
    id              BLOB PRIMARY KEY,
    school_id       BLOB NOT NULL REFERENCES schools(id),
    school_year_id  BLOB NOT NULL REFERENCES school_years(id),
    name            TEXT NOT NULL,
    grade           INTEGER,
    UNIQUE (school_year_id, name)
) STRICT;

CREATE TABLE pupils (
    id              BLOB PRIMARY KEY,
    school_id       BLOB NOT NULL REFERENCES schools(id),
    number          TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    particle        TEXT,
    family_name     TEXT NOT NULL,
    date_of_birth   TEXT,
    group_id        BLOB REFERENCES groups(id),
    enrolled_on     TEXT NOT NULL,
    left_on         TEXT,
    UNIQUE (school_id, number)
) STRICT;

CREATE TABLE staff (
    id                  BLOB PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    is_provider_admin   INTEGER NOT NULL DEFAULT 0,
    active              INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL
) STRICT;

CREATE TABLE staff_roles (
    staff_id    BLOB NOT NULL REFERENCES staff(id),
    school_id   BLOB NOT NULL REFERENCES schools(id),
    role        TEXT NOT NULL,
    PRIMARY KEY (staff_id, school_id, role)
) STRICT;

-- The newest entry of each school's chain; every append locks and moves it.
CREATE TABLE audit_heads (
    school_id   BLOB PRIMARY KEY REFERENCES schools(id),
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL
) STRICT;

CREATE TABLE audit_log (
    school_id   BLOB NOT NULL REFERENCES schools(id),
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (school_id, seq)
) STRICT;

CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE INDEX pupils_by_school ON pupils (school_id, family_name, given_name);
CREATE INDEX groups_by_school_year ON groups (school_id, school_year_id);
