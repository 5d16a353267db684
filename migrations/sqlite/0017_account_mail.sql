-- Mail about accounts (password reset, address verification) goes through the outbox too, so
-- an outbox row no longer needs a digest subscriber. SQLite cannot drop a NOT NULL: the table
-- is made again with the same columns and rows.
CREATE TABLE outbox_next (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    subscriber_id   INTEGER REFERENCES subscribers (id) ON DELETE CASCADE,
    to_addr         TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT,
    unsubscribe_url TEXT,
    status          TEXT    NOT NULL DEFAULT 'pending', -- pending | sending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT,
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
INSERT INTO outbox_next (id, key, subscriber_id, to_addr, subject, text_body, html_body, unsubscribe_url, status,
                         attempts, next_attempt_at, claimed_by, claimed_until, last_error, created_at, sent_at)
    SELECT id, key, subscriber_id, to_addr, subject, text_body, html_body, unsubscribe_url, status,
           attempts, next_attempt_at, claimed_by, claimed_until, last_error, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- An account's address is used (password reset, linking digests) only once its owner opened
-- the link sent to it: `email_verified_at`. Addresses set before this are unverified.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;

-- One-time links about accounts: only the token's SHA-256 is kept. `purpose` is `reset` or
-- `verify` (then `email` is the address being verified).
CREATE TABLE account_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);
