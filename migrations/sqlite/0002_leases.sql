-- Leases: background work that must run on one node at a time (following arXiv) is done by
-- whoever holds its lease; a node that dies loses it when it expires.
CREATE TABLE leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL            -- unix time in milliseconds
);
