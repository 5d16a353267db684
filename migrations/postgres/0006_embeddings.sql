-- Sentence embeddings of papers, computed once and shared by every node. `text_hash`
-- identifies the text embedded (title and abstract): a changed abstract is embedded again.
CREATE TABLE IF NOT EXISTS embeddings (
    paper_id TEXT NOT NULL,
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dims BIGINT NOT NULL,
    -- little-endian f32s, base64
    vector TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (paper_id, model)
);
