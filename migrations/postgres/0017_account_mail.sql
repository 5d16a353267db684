-- See migrations/sqlite/0017_account_mail.sql.
ALTER TABLE outbox ALTER COLUMN subscriber_id DROP NOT NULL;
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
CREATE TABLE account_tokens (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT   NOT NULL,
    email      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);
