-- "Not interested": papers a member asked not to be shown again. Listings and recommendations
-- leave them out, and the recommender learns from them as the member's negatives.
CREATE TABLE dismissals (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    paper_id   TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
