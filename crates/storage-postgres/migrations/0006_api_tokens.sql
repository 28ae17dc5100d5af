-- Personal API tokens of staff accounts. Only the SHA-256 of a token is stored; the token is shown
-- once to its maker. A token acts as its account: what it may do is decided on every request.
CREATE TABLE api_tokens (
    id              UUID PRIMARY KEY,
    token_hash      BYTEA NOT NULL UNIQUE,
    staff_id        UUID NOT NULL REFERENCES staff(id),
    name            TEXT NOT NULL,
    -- Scope codes separated by spaces, such as 'audit:read staff:read'.
    scopes          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    -- The day of the last use only (no finer trail of an integration's activity is kept).
    last_used_on    DATE
);

CREATE INDEX api_tokens_by_staff ON api_tokens (staff_id);
