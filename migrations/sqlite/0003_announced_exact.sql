-- Whether `announced_on` was given by arXiv's announcement itself (RSS, announcement corpus) or
-- estimated from a submission time with arXiv's calendar. An exact day replaces an estimate.
ALTER TABLE papers ADD COLUMN announced_exact INTEGER NOT NULL DEFAULT 0;
