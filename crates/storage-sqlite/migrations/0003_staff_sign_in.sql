-- Staff sign-in: password hashes (Argon2id), the second factor, recovery codes, sessions, one-time
-- links, teachers' groups, advisors' periods and confidentiality statements.
ALTER TABLE staff ADD COLUMN password_hash TEXT;
-- The TOTP secret, sealed with a key derived from the master key.
ALTER TABLE staff ADD COLUMN totp_secret BLOB;
ALTER TABLE staff ADD COLUMN totp_last_step INTEGER;
ALTER TABLE staff ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until TEXT;

-- An advisor's period (NULL for roles without one).
ALTER TABLE staff_roles ADD COLUMN starts_at TEXT;
ALTER TABLE staff_roles ADD COLUMN ends_at TEXT;

CREATE TABLE staff_groups (
    staff_id    BLOB NOT NULL REFERENCES staff(id),
    school_id   BLOB NOT NULL REFERENCES schools(id),
    group_id    BLOB NOT NULL REFERENCES groups(id),
    PRIMARY KEY (staff_id, group_id)
) STRICT;

CREATE TABLE recovery_codes (
    staff_id    BLOB NOT NULL REFERENCES staff(id),
    code_hash   BLOB NOT NULL,
    used_at     TEXT,
    PRIMARY KEY (staff_id, code_hash)
) STRICT;

-- Sessions: only the SHA-256 of the cookie's random id is stored.
CREATE TABLE sessions (
    id_hash         BLOB PRIMARY KEY,
    staff_id        BLOB NOT NULL REFERENCES staff(id),
    -- 'second_factor' (password checked), 'enrol' (first login, TOTP to set up), 'active'.
    stage           TEXT NOT NULL,
    csrf_token      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    idle_seconds    INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_staff ON sessions (staff_id);

CREATE TABLE confidentiality_acceptances (
    staff_id    BLOB NOT NULL REFERENCES staff(id),
    school_id   BLOB NOT NULL REFERENCES schools(id),
    version     INTEGER NOT NULL,
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (staff_id, school_id, version)
) STRICT;

CREATE TABLE confidentiality_statements (
    school_id   BLOB NOT NULL REFERENCES schools(id),
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (school_id, version)
) STRICT;
