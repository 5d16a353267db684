-- What a token may do: 'api' (the whole API, as its member) or 'feed' (read-only: the
-- member's private feeds and GET requests). Feed addresses end up in readers, logs and
-- proxies, so they carry a feed token, never an API one.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'api';
