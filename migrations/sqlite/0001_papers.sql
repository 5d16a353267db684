-- Papers at their latest known version. `change_seq` grows with every insert or update, so
-- derived data (search indexes on every node) can follow the store with a cursor.
CREATE TABLE papers (
    id            TEXT    NOT NULL UNIQUE,
    version       INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    abstract      TEXT    NOT NULL,
    authors       TEXT    NOT NULL,           -- JSON array of names, in order
    categories    TEXT    NOT NULL,           -- space-separated codes, primary first
    comments      TEXT,
    journal_ref   TEXT,
    doi           TEXT,
    license       TEXT,
    submitted_on  TEXT,                       -- YYYY-MM-DD of the first version
    updated_on    TEXT,
    announced_on  TEXT,                       -- first announcement day
    announce_type TEXT,
    source        TEXT    NOT NULL,
    change_seq    INTEGER NOT NULL
);
CREATE INDEX papers_by_day ON papers (announced_on, id);
CREATE INDEX papers_by_change ON papers (change_seq);

-- One row per (category, paper), clustered by (category, day) so that category listings are
-- range scans of this one b-tree. `announced_on` is '' when the day is unknown.
CREATE TABLE paper_categories (
    category     TEXT NOT NULL,
    announced_on TEXT NOT NULL,
    paper_id     TEXT NOT NULL,
    PRIMARY KEY (category, announced_on, paper_id)
) WITHOUT ROWID;

-- Hugging Face Daily Papers listings: the day a paper was on the list and its upvotes there.
CREATE TABLE hf_daily (
    paper_id     TEXT    NOT NULL PRIMARY KEY,
    listed_on    TEXT    NOT NULL,
    upvotes      INTEGER NOT NULL,
    num_comments INTEGER NOT NULL,
    submitted_by TEXT,
    github_repo  TEXT,
    project_page TEXT
);
CREATE INDEX hf_daily_by_day ON hf_daily (listed_on);

-- Where an interrupted file import or OAI-PMH harvest resumes. Written in the same
-- transaction as the records it covers; removed when the run completes.
CREATE TABLE resume_points (
    key      TEXT    NOT NULL PRIMARY KEY,
    position INTEGER NOT NULL,
    token    TEXT
);

-- Announcement days fetched by the scheduler, so that gaps can be found and filled.
CREATE TABLE fetched_days (
    day     TEXT    NOT NULL PRIMARY KEY,
    papers  INTEGER NOT NULL,
    source  TEXT    NOT NULL
);

CREATE TABLE meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
