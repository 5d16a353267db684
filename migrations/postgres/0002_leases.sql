-- See migrations/sqlite/0002_leases.sql. Expiry uses the database's clock, shared by all nodes.
CREATE TABLE leases (
    name       TEXT        PRIMARY KEY,
    holder     TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
