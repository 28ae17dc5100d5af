-- Personal API tokens of staff accounts. Only the SHA-256 of a token is stored; the token is shown
-- once to its maker. A token acts as its account: what it may do is decided on every request.
CREATE TABLE api_tokens (
    id              BLOB PRIMARY KEY,
    token_hash      BLOB NOT NULL UNIQUE,
    staff_id        BLOB NOT NULL REFERENCES staff(id),
    name            TEXT NOT NULL,
    -- Scope codes separated by spaces, such as 'audit:read staff:read'.
    scopes          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    -- The day of the last use only (no finer trail of an integration's activity is kept).
    last_used_on    TEXT
) STRICT;

CREATE INDEX api_tokens_by_staff ON api_tokens (staff_id);
