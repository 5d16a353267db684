-- The arXiv version of each paper a member keeps (upvoted or put in a collection) as they last saw
-- it: when ingestion brings a newer version, the member is told ("Updates" in the header, the
-- updates page, the API) until they mark it seen. Filled here from today's votes and collections.
CREATE TABLE kept_versions (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
INSERT INTO kept_versions (user_id, paper_id, version)
    SELECT v.user_id, p.id, p.version FROM votes v JOIN papers p ON p.id = v.paper_id
    ON CONFLICT DO NOTHING;
INSERT INTO kept_versions (user_id, paper_id, version)
    SELECT c.user_id, p.id, p.version FROM collection_papers cp
        JOIN collections c ON c.id = cp.collection_id JOIN papers p ON p.id = cp.paper_id
    ON CONFLICT DO NOTHING;
