-- One-time links to set a password: an invitation for a new account, or a reset. Only the SHA-256 of
-- the link's token is stored.
CREATE TABLE invitations (
    token_hash  BYTEA PRIMARY KEY,
    staff_id    UUID NOT NULL REFERENCES staff(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

CREATE INDEX invitations_by_staff ON invitations (staff_id);
