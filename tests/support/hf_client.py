"""Drives a running paperboy with the real `huggingface_hub` client (PyPI), its endpoint pointed
at paperboy, and prints what the client parsed as JSON. Usage: hf_client.py BASE_URL."""
import json, sys
from huggingface_hub import HfApi

api = HfApi(endpoint=sys.argv[1], token=False)


def info(p):
    return {
        "id": p.id,
        "title": p.title,
        "summary": p.summary,
        "authors": [a.name for a in (p.authors or [])],
        "upvotes": p.upvotes,
        "comments": p.comments,
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "submitted_by": p.submitted_by.username if p.submitted_by else None,
    }


out = {
    "by_date": [info(p) for p in api.list_daily_papers(date="2025-08-07", limit=10)],
    "by_week": [info(p) for p in api.list_daily_papers(week="2025-W32", limit=100)],
    "trending": [info(p) for p in api.list_daily_papers(date="2025-08-07", sort="trending", limit=3)],
    "paper": info(api.paper_info("2508.03983")),
    "search": [info(p) for p in api.list_papers(query="HarmonyGuard web agents", limit=5)],
}
print(json.dumps(out))
