-- Who is embedding which paper: with several nodes on one store, each claims a batch of the
-- papers that have no vector yet before embedding them, until `claimed_until` (Unix seconds);
-- the others leave those papers alone until the vectors arrive or the claim runs out (its
-- node died). A claim is dropped when its vectors are stored.
CREATE TABLE IF NOT EXISTS embedding_claims (
    paper_id TEXT NOT NULL,
    model TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_until BIGINT NOT NULL,
    PRIMARY KEY (paper_id, model)
);
