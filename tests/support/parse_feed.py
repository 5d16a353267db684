#!/usr/bin/python3
"""Parses a feed from stdin with feedparser (Debian package python3-feedparser) and prints
what the tests check, as JSON: whether it parsed cleanly, its version, title and entries."""
import json, sys
import feedparser

d = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
    "bozo": bool(d.bozo),
    "error": str(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title"),
    "entries": [
        {
            "id": e.get("id"),
            "title": e.get("title"),
            "link": e.get("link"),
            "summary": e.get("summary"),
            "authors": [a.get("name") for a in e.get("authors", [])],
            "tags": [t.get("term") for t in e.get("tags", [])],
            "published": e.get("published"),
        }
        for e in d.entries
    ],
}))
