-- Forms done once: the nonce of each form a member sent (see src/store/nonces.rs), with what it
-- did (an id), kept a day. A member's collection names are unique, ignoring case (checked by
-- community::collections when one is made or renamed): names that repeat get their number.
CREATE TABLE form_nonces (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    nonce      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    result     TEXT,
    PRIMARY KEY (user_id, nonce)
);
UPDATE collections SET name = substr(name, 1, 88) || ' (' || id || ')' WHERE EXISTS (
    SELECT 1 FROM collections c2
    WHERE c2.user_id = collections.user_id AND lower(c2.name) = lower(collections.name) AND c2.id < collections.id);
