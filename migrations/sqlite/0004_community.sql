-- The community: accounts, sessions, votes, comments, submissions, collections, moderation,
-- rate-limit counters and the trending ranks. The same tables exist in PostgreSQL
-- (migrations/postgres/0004_community.sql) and are queried by the same SQL
-- (src/store/community.rs): times are Unix seconds, days YYYY-MM-DD text, flags 0/1.
CREATE TABLE users (
    id                 INTEGER PRIMARY KEY,
    username           TEXT    NOT NULL,
    username_key       TEXT    NOT NULL UNIQUE,     -- lower case: names are unique ignoring case
    email              TEXT,
    password_hash      TEXT    NOT NULL,            -- argon2id, PHC string
    role               TEXT    NOT NULL DEFAULT 'member',
    suspended          INTEGER NOT NULL DEFAULT 0,
    muted_words        TEXT    NOT NULL DEFAULT '',
    default_categories TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
);

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE votes (
    paper_id   TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (paper_id, user_id)
);
CREATE INDEX votes_by_user ON votes (user_id, created_at);

-- Counters kept with every vote and comment, so that listings read one row per paper.
CREATE TABLE paper_stats (
    paper_id      TEXT    NOT NULL PRIMARY KEY,
    announced_on  TEXT    NOT NULL DEFAULT '',
    upvotes       INTEGER NOT NULL DEFAULT 0,
    comments      INTEGER NOT NULL DEFAULT 0,
    last_activity INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX paper_stats_by_day ON paper_stats (announced_on, upvotes);
CREATE INDEX paper_stats_by_activity ON paper_stats (last_activity);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    paper_id   TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id  INTEGER REFERENCES comments (id),
    body       TEXT    NOT NULL,                    -- Markdown as written; rendered sanitised
    created_at INTEGER NOT NULL,
    hidden     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_by_paper ON comments (paper_id, id);
CREATE INDEX comments_by_user ON comments (user_id, id);

-- A paper submitted to a day's list. One submission per paper, ever.
CREATE TABLE submissions (
    paper_id     TEXT    NOT NULL PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day          TEXT    NOT NULL,
    submitted_at INTEGER NOT NULL,
    removed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX submissions_by_day ON submissions (day);
CREATE INDEX submissions_by_user ON submissions (user_id, submitted_at);

CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    public      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX collections_by_user ON collections (user_id);

CREATE TABLE collection_papers (
    collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    paper_id      TEXT    NOT NULL,
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, paper_id)
);

-- Every moderator action, kept.
CREATE TABLE moderation_log (
    id       INTEGER PRIMARY KEY,
    admin_id INTEGER NOT NULL,
    action   TEXT    NOT NULL,
    target   TEXT    NOT NULL,
    reason   TEXT    NOT NULL DEFAULT '',
    at       INTEGER NOT NULL
);

-- Fixed-window counters, shared by every node.
CREATE TABLE rate_limits (
    key          TEXT    NOT NULL PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL
);

-- Trending scores, recomputed in batches (see src/ranking.rs).
CREATE TABLE paper_ranks (
    paper_id     TEXT             NOT NULL PRIMARY KEY,
    score        DOUBLE PRECISION NOT NULL,
    refreshed_at INTEGER          NOT NULL
);
CREATE INDEX paper_ranks_by_score ON paper_ranks (score DESC, paper_id);

-- Counters that move with community activity (votes, comments, submissions), so that
-- cached pages know when they are stale.
CREATE TABLE counters (
    name  TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('activity', 0);
