#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/TARGET, not committed) from the recorded real
# inputs in ../shared/fixtures and the evaluation queries, plus the regression inputs kept in
# fuzz/regressions/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
shared="${PAPERBOY_SHARED:-../../shared}"
c=corpus
mkdir -p $c/{arxiv_atom,oai_pmh,rss,json_lines,hf_json,search_query,markdown,arxiv_id,periods,next_path}
cp "$shared"/fixtures/arxiv-api/*.xml "$shared"/fixtures/arxiv-api/legacy-2016/* $c/arxiv_atom/ 2>/dev/null || true
find "$shared/fixtures/oai-pmh" -name '*.xml' -exec cp {} $c/oai_pmh/ \;
cp "$shared"/fixtures/hf-daily-papers/*.json $c/hf_json/
python3 - "$shared" <<'PY'
import gzip, json, sys, os, html
shared = sys.argv[1]
def put(target, name, text):
    with open(f"corpus/{target}/{name}", "w") as f:
        f.write(text)
# RSS, rebuilt from the recorded feed as tests/it/rss.rs does (20 items a feed).
feeds = json.load(gzip.open(f"{shared}/fixtures/arxiv-rss/feedparser-cache-2025-08-07.json.gz"))
for n, (url, feed) in enumerate(feeds.items()):
    e = html.escape
    m = feed["feed"]
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
           f'<title>{e(m["title"])}</title><link>{e(m["link"])}</link><pubDate>{m["published"]}</pubDate>')
    for it in feed["entries"][:20]:
        kind = it["summary"].split("Announce Type:")[1].split()[0]
        xml += (f'<item><title>{e(it["title"])}</title><link>{e(it["link"])}</link>'
                f'<description>{e(it["summary"])}</description><guid isPermaLink="false">{it["id"]}</guid>'
                f'<pubDate>{it["published"]}</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>'
                f'<dc:creator>{e(it.get("author", ""))}</dc:creator></item>')
    put("rss", f"feed-{n}.xml", xml + "</channel></rss>\n")
# JSON lines: Kaggle's snapshot and the announcement corpus, a line a seed.
for n, line in enumerate(open(f"{shared}/fixtures/kaggle-snapshot/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl")):
    if n < 60:
        put("json_lines", f"kaggle-{n}.json", line)
with gzip.open(f"{shared}/corpus/arxiv-2025-snapshot.jsonl.gz", "rt") as f:
    for n, line in enumerate(f):
        if n >= 60:
            break
        put("json_lines", f"corpus-{n}.json", line)
# Queries people type: the known-item evaluation's, and the syntax the search box reads.
rows = [l.rstrip("\n").split("\t") for l in open(f"{shared}/eval/arxiv-known-item/dev.tsv")][1:]
for n, row in enumerate(rows[:80]):
    put("search_query", f"dev-{n}.txt", row[1])
    put("arxiv_id", f"dev-{n}.txt", row[0])
for n, q in enumerate(['title:"graph neural" AND au:smith', "ti:transformer -survey", 'abs:(sparse OR dense) cat:cs.LG',
                       "a: b: c:", '"unclosed', "(((", "author:Zoë NOT x^2", "cs.CL+cs.LG"]):
    put("search_query", f"syntax-{n}.txt", q)
for n, s in enumerate(["**bold** and _it_ $x^2$ [link](https://arxiv.org/abs/2501.00001)", "> quote\n\n- a\n- b\n\n1. one",
                       "<script>alert(1)</script><img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
                       "```\ncode\n```\n| a | b |\n|---|---|\n| 1 | 2 |", "<a href=\"java\tscript:x\">t</a>"]):
    put("markdown", f"seed-{n}.md", s)
for n, s in enumerate(["2501.00001", "2501.00001v3", "hep-th/9901001", "hep-th/9901001v2", "arXiv:2501.00001",
                       "https://arxiv.org/abs/2501.00001v2", "https://arxiv.org/pdf/2501.00001.pdf", "math.GT/0309136"]):
    put("arxiv_id", f"seed-{n}.txt", s)
for n, s in enumerate(["2025-08-07", "2025-W32", "2025-08", "2024-02-29", "2025-W53", "9999-12-31", "1000-01"]):
    put("periods", f"seed-{n}.txt", s)
for n, s in enumerate(["/papers/2501.00001", "/search?q=a+b&mode=hybrid", "//evil.example", "/\t/evil.example/",
                       "/\\evil", "https://evil.example/", "/%09/evil"]):
    put("next_path", f"seed-{n}.txt", s)
PY
# Every crash found so far, kept as a regression input.
for d in regressions/*/; do
    [ -d "$d" ] && cp "$d"* "$c/$(basename "$d")/" 2>/dev/null || true
done
echo "seeded: $(for t in $c/*; do printf '%s=%s ' "$(basename "$t")" "$(ls "$t" | wc -l)"; done)"
