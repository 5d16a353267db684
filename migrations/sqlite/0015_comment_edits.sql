-- Members edit and delete their own comments. `edited_at`: when the text last changed (shown as
-- "edited"); `deleted`: the author deleted it, its text is gone, and it keeps its place in the
-- thread as "[deleted]" so that replies stay.
ALTER TABLE comments ADD COLUMN edited_at INTEGER;
ALTER TABLE comments ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
