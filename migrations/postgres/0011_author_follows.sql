-- Authors a member follows: their new papers come first in the member's recommendations, "for
-- me" digests and private feed. `author_key` is the name's key (papers::authors::key: accents,
-- case and punctuation folded); `name` is the name as the member followed it, for display.
CREATE TABLE author_follows (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_key TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, author_key)
);
