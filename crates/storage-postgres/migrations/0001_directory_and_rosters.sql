-- Boards, schools, school years, groups, pupils, staff and the audit chain.
CREATE TABLE boards (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE schools (
    id          UUID PRIMARY KEY,
    board_id    UUID NOT NULL REFERENCES boards(id),
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    is_demo     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE school_years (
    id          UUID PRIMARY KEY,
    school_id   UUID NOT NULL REFERENCES schools(id),
    label       TEXT NOT NULL,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    UNIQUE (school_id, starts_on)
);

CREATE TABLE groups (
    id              UUID PRIMARY KEY,
    school_id       UUID NOT NULL REFERENCES schools(id),
    school_year_id  UUID NOT NULL REFERENCES school_years(id),
    name            TEXT NOT NULL,
    grade           BIGINT,
    UNIQUE (school_year_id, name)
);

CREATE TABLE pupils (
    id              UUID PRIMARY KEY,
    school_id       UUID NOT NULL REFERENCES schools(id),
    number          TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    particle        TEXT,
    family_name     TEXT NOT NULL,
    date_of_birth   DATE,
    group_id        UUID REFERENCES groups(id),
    enrolled_on     DATE NOT NULL,
    left_on         DATE,
    UNIQUE (school_id, number)
);

CREATE TABLE staff (
    id                  UUID PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    is_provider_admin   BOOLEAN NOT NULL DEFAULT FALSE,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE staff_roles (
    staff_id    UUID NOT NULL REFERENCES staff(id),
    school_id   UUID NOT NULL REFERENCES schools(id),
    role        TEXT NOT NULL,
    PRIMARY KEY (staff_id, school_id, role)
);

-- The newest entry of each school's chain; every append locks and moves it.
CREATE TABLE audit_heads (
    school_id   UUID PRIMARY KEY REFERENCES schools(id),
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL
);

CREATE TABLE audit_log (
    school_id   UUID NOT NULL REFERENCES schools(id),
    seq         BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (school_id, seq)
);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_is_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE INDEX pupils_by_school ON pupils (school_id, family_name, given_name);
CREATE INDEX groups_by_school_year ON groups (school_id, school_year_id);
