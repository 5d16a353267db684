-- Submissions waiting for arXiv: a paper paperboy did not hold, which arXiv did not send within
-- the request's deadline. A background job fetches it and lists it (deleting the row), or
-- keeps why it was refused in `refused` for the member to read on /submit.
CREATE TABLE pending_submissions (
    paper_id     TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    requested_at INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    refused      TEXT,
    PRIMARY KEY (paper_id, user_id)
);
