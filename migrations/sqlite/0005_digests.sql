-- Email digests: subscribers (double opt-in) and the durable outbox. The same tables exist in
-- PostgreSQL (migrations/postgres/0005_digests.sql), queried by the same SQL (src/digest/store.rs).
CREATE TABLE subscribers (
    id                 INTEGER PRIMARY KEY,
    email              TEXT    NOT NULL UNIQUE,     -- as parsed by accounts::Email
    user_id            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    confirm_hash       TEXT,                        -- SHA-256 of the confirmation token
    confirm_expires_at INTEGER,
    confirm_sent_at    INTEGER,
    confirmed_at       INTEGER,
    unsubscribed_at    INTEGER,
    frequency          TEXT    NOT NULL DEFAULT 'daily',   -- daily | weekly
    mode               TEXT    NOT NULL DEFAULT 'trending', -- trending | for-me
    categories         TEXT    NOT NULL DEFAULT '',
    keywords           TEXT    NOT NULL DEFAULT '',
    muted_words        TEXT    NOT NULL DEFAULT '',
    max_papers         INTEGER NOT NULL DEFAULT 10,
    hard_failures      INTEGER NOT NULL DEFAULT 0,
    paused_at          INTEGER,                     -- set after repeated hard failures
    created_at         INTEGER NOT NULL
);

-- Every message that leaves the process, one row each. `key` (subscriber, kind, period) is
-- unique, so a digest can never be queued twice. Workers claim rows (status 'sending' with a
-- lease), send, and record the outcome.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
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
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
