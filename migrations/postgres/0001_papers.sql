-- The PostgreSQL twin of migrations/sqlite/0001_papers.sql. Ids sort bytewise (COLLATE "C"),
-- like SQLite's, so listings order the same on both backends.
CREATE SEQUENCE paper_changes;

CREATE TABLE papers (
    id            TEXT COLLATE "C" PRIMARY KEY,
    version       INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    abstract      TEXT    NOT NULL,
    authors       TEXT    NOT NULL,           -- JSON array of names, in order
    categories    TEXT    NOT NULL,           -- space-separated codes, primary first
    comments      TEXT,
    journal_ref   TEXT,
    doi           TEXT,
    license       TEXT,
    submitted_on  DATE,
    updated_on    DATE,
    announced_on  DATE,
    announce_type TEXT,
    source        TEXT    NOT NULL,
    change_seq    BIGINT  NOT NULL
);
CREATE INDEX papers_by_day ON papers (announced_on, id);
CREATE INDEX papers_by_change ON papers (change_seq);

CREATE TABLE paper_categories (
    category     TEXT COLLATE "C" NOT NULL,
    announced_on DATE,
    paper_id     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (paper_id, category)
);
CREATE INDEX paper_categories_by_day ON paper_categories (category, announced_on, paper_id);

CREATE TABLE hf_daily (
    paper_id     TEXT COLLATE "C" PRIMARY KEY,
    listed_on    DATE    NOT NULL,
    upvotes      BIGINT  NOT NULL,
    num_comments BIGINT  NOT NULL,
    submitted_by TEXT,
    github_repo  TEXT,
    project_page TEXT
);
CREATE INDEX hf_daily_by_day ON hf_daily (listed_on);

CREATE TABLE resume_points (
    key      TEXT   PRIMARY KEY,
    position BIGINT NOT NULL,
    token    TEXT
);

CREATE TABLE fetched_days (
    day    DATE   PRIMARY KEY,
    papers BIGINT NOT NULL,
    source TEXT   NOT NULL
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
