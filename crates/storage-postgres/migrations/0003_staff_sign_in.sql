-- Staff sign-in: password hashes (Argon2id), the second factor, recovery codes, sessions, one-time
-- links, teachers' groups, advisors' periods and confidentiality statements.
ALTER TABLE staff ADD COLUMN password_hash TEXT;
-- The TOTP secret, sealed with a key derived from the master key.
ALTER TABLE staff ADD COLUMN totp_secret BYTEA;
ALTER TABLE staff ADD COLUMN totp_last_step BIGINT;
ALTER TABLE staff ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until TIMESTAMPTZ;

-- An advisor's period (NULL for roles without one).
ALTER TABLE staff_roles ADD COLUMN starts_at TIMESTAMPTZ;
ALTER TABLE staff_roles ADD COLUMN ends_at TIMESTAMPTZ;

CREATE TABLE staff_groups (
    staff_id    UUID NOT NULL REFERENCES staff(id),
    school_id   UUID NOT NULL REFERENCES schools(id),
    group_id    UUID NOT NULL REFERENCES groups(id),
    PRIMARY KEY (staff_id, group_id)
);

CREATE TABLE recovery_codes (
    staff_id    UUID NOT NULL REFERENCES staff(id),
    code_hash   BYTEA NOT NULL,
    used_at     TIMESTAMPTZ,
    PRIMARY KEY (staff_id, code_hash)
);

-- Sessions: only the SHA-256 of the cookie's random id is stored.
CREATE TABLE sessions (
    id_hash         BYTEA PRIMARY KEY,
    staff_id        UUID NOT NULL REFERENCES staff(id),
    -- 'second_factor' (password checked), 'enrol' (first login, TOTP to set up), 'active'.
    stage           TEXT NOT NULL,
    csrf_token      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    idle_seconds    BIGINT NOT NULL
);

CREATE INDEX sessions_by_staff ON sessions (staff_id);

CREATE TABLE confidentiality_acceptances (
    staff_id    UUID NOT NULL REFERENCES staff(id),
    school_id   UUID NOT NULL REFERENCES schools(id),
    version     BIGINT NOT NULL,
    accepted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (staff_id, school_id, version)
);

CREATE TABLE confidentiality_statements (
    school_id   UUID NOT NULL REFERENCES schools(id),
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (school_id, version)
);
