-- See migrations/sqlite/0003_announced_exact.sql.
ALTER TABLE papers ADD COLUMN announced_exact BOOLEAN NOT NULL DEFAULT false;
