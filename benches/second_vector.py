#!/usr/bin/env python3
"""Would a second vector per paper help semantic search? Ranks the whole corpus by the paper's
vector, and by its max or mix with a second vector (the title alone, or the abstract past the
model's 256-token cut), on the known-item queries. Needs numpy.

    paperboy eval known-item dev.tsv --candidates ki.jsonl          # the query vectors
    sqlite3 DATA/paperboy.db "select id, title from papers" | tr '|' '\\t' > titles.tsv
    cargo run --release --example embed_lines MODEL_DIR < titles.tsv > title-vectors.tsv
    python3 benches/second_vector.py DATA/paperboy.db ki.jsonl title-vectors.tsv
"""
import base64, json, sqlite3, sys
from collections import defaultdict
import numpy as np

KINDS = ["all", "paraphrase", "hard", "title-ish", "question"]


def vec(s):
    return np.frombuffer(base64.b64decode(s), dtype="<f4")


def main():
    db, candidates, second = sys.argv[1:4]
    rows = sqlite3.connect(db).execute("select paper_id, vector from embeddings").fetchall()
    ids = [r[0] for r in rows]
    at = {d: i for i, d in enumerate(ids)}
    full = np.stack([vec(r[1]) for r in rows])
    other, has = np.zeros_like(full), np.zeros(len(ids), bool)
    for line in open(second):
        i, v = line.rstrip("\n").split("\t")
        other[at[i]], has[at[i]] = vec(v), True
    qs = [json.loads(l) for l in open(candidates)]
    q = np.array([x["query_vector"] for x in qs], dtype=np.float32)
    a, b = q @ full.T, q @ other.T
    b[:, ~has] = -1.0

    def report(name, scores):
        top = np.argsort(-scores, axis=1)[:, :10]
        sums, counts = defaultdict(float), defaultdict(int)
        for x, row in zip(qs, top):
            ranked = [ids[j] for j in row]
            target = next(iter(x["relevant"]))
            rr = 1.0 / (ranked.index(target) + 1) if target in ranked else 0.0
            for k in ("all", x["kind"]):
                sums[k] += rr
                counts[k] += 1
        print(f"{name:<22}" + "".join(f"{sums[k] / max(counts[k], 1):>11.3f}" for k in KINDS))

    print(f"{'semantic, MRR@10':<22}" + "".join(f"{k:>11}" for k in KINDS))
    report("paper vector", a)
    report("max(paper, second)", np.maximum(a, b))
    for m in (0.2, 0.3, 0.5):
        report(f"mix {m}", np.where(has, (1 - m) * a + m * np.maximum(b, 0), a))


if __name__ == "__main__":
    main()
