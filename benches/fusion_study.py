#!/usr/bin/env python3
"""Compares ways of fusing keyword (BM25) and dense (cosine) candidates, offline.

Reads the candidates files that `paperboy eval known-item … --candidates F` and
`paperboy eval scifact … --candidates F` write (one JSON line per query: both sides' top 100,
the cosine of keyword candidates, the query's keyword strength, the judgements) and prints
MRR@10 per kind (known-item) or nDCG@10 (SciFact) for each fusion. Standard library only.

    python3 benches/fusion_study.py known-item.jsonl [scifact-train.jsonl scifact-test.jsonl]
"""
import json, math, statistics, sys
from collections import defaultdict


def load(path):
    return [json.loads(l) for l in open(path)]


def ranked(scores):
    return [d for d, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


def sides(q):
    kw = {d: s for d, s in q["keyword"]}
    dense = {d: s for d, s in q["dense"]}
    for d, c in q["cosine"].items():
        dense.setdefault(d, c)
    return kw, dense


def minmax(w):
    def f(q):
        kw, dense = sides(q)
        def norm(m):
            if not m:
                return {}
            lo, hi = min(m.values()), max(m.values())
            return {d: (s - lo) / (hi - lo) if hi > lo else 1.0 for d, s in m.items()}
        k, v = norm(kw), norm(dense)
        return ranked({d: w * k.get(d, 0) + (1 - w) * v.get(d, 0) for d in set(kw) | set(dense)})
    return f


def zscore(w, floor=None):
    def f(q):
        kw, dense = sides(q)
        def z(m):
            if len(m) < 2:
                return {d: 0.0 for d in m}, 0.0
            mu, sd = statistics.mean(m.values()), statistics.pstdev(m.values()) or 1.0
            zz = {d: (s - mu) / sd for d, s in m.items()}
            return zz, min(zz.values())
        k, klo = z(kw)
        v, vlo = z(dense)
        return ranked({d: w * k.get(d, klo) + (1 - w) * v.get(d, vlo) for d in set(kw) | set(dense)})
    return f


def rrf(k=60, w=0.5):
    def f(q):
        s = defaultdict(float)
        for i, (d, _) in enumerate(q["keyword"]):
            s[d] += w / (k + i + 1)
        for i, (d, _) in enumerate(q["dense"]):
            s[d] += (1 - w) / (k + i + 1)
        return ranked(s)
    return f


def strength(w, c0=0.0):
    """BM25 over what the query could score at most; cosine rescaled from [c0, 1]."""
    def f(q):
        kw, dense = sides(q)
        st = q["strength"] or 1.0
        return ranked({d: w * kw.get(d, 0.0) / st + (1 - w) * max(0.0, (dense.get(d, c0) - c0) / (1 - c0))
                       for d in set(kw) | set(dense)})
    return f


def gated(w, r0, p=2):
    """paperboy's fusion (src/search/fusion.rs): BM25 over the query's strength; the keyword weight shrinks
    with the best keyword candidate's share c of that bound, w * c^p / (c^p + r0^p)."""
    def f(q):
        kw, dense = sides(q)
        best = max(kw.values()) if kw else 0.0
        bound = max(q["strength"], best) or 1.0
        c = best / bound
        wq = w * c ** p / (c ** p + r0 ** p) if c or r0 else 0.0
        return ranked({d: wq * kw.get(d, 0.0) / bound + (1 - wq) * max(0.0, dense.get(d, 0.0))
                       for d in set(kw) | set(dense)})
    return f


def keyword(q):
    return [d for d, _ in q["keyword"]]


def semantic(q):
    return [d for d, _ in q["dense"]]


def mrr_by_kind(queries, rank):
    sums, counts = defaultdict(float), defaultdict(int)
    for q in queries:
        target = next(iter(q["relevant"]))
        r = rank(q)
        rr = 1.0 / (r.index(target) + 1) if target in r[:10] else 0.0
        for k in ("all", q["kind"]):
            sums[k] += rr
            counts[k] += 1
    return {k: sums[k] / counts[k] for k in counts}


def ndcg(queries, rank):
    total = 0.0
    for q in queries:
        rel = q["relevant"]
        r = rank(q)[:10]
        dcg = sum((2 ** rel[d] - 1) / math.log2(i + 2) for i, d in enumerate(r) if d in rel)
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        total += dcg / idcg if idcg else 0.0
    return total / len(queries)


def main():
    ki = load(sys.argv[1])
    sf = [load(p) for p in sys.argv[2:]]
    kinds = ["all", "paraphrase", "hard", "title-ish", "question"]
    variants = [("keyword", keyword), ("semantic", semantic)]
    variants += [(f"minmax w={w}", minmax(w)) for w in (0.2, 0.3, 0.4, 0.5)]
    variants += [(f"zscore w={w}", zscore(w)) for w in (0.2, 0.3, 0.4, 0.5)]
    variants += [(f"rrf k={k} w={w}", rrf(k, w)) for k in (10, 60) for w in (0.3, 0.5)]
    variants += [(f"strength w={w}", strength(w)) for w in (0.3, 0.4, 0.5, 0.6)]
    variants += [(f"gated w={w} r0={r}", gated(w, r)) for w in (0.6, 0.75, 0.9) for r in (0.1, 0.15, 0.2)]
    variants += [(f"gated w={w} r0={r} p={p}", gated(w, r, p)) for p in (3, 4, 6) for w in (0.75, 0.9)
                 for r in (0.1, 0.15, 0.2)]
    print(f"{'fusion':<24}" + "".join(f"{k:>11}" for k in kinds) + "".join(f"  SciFact {i + 1}" for i in range(len(sf))))
    for name, f in variants:
        m = mrr_by_kind(ki, f)
        line = f"{name:<24}" + "".join(f"{m.get(k, 0):>11.3f}" for k in kinds)
        line += "".join(f"{ndcg(s, f):>11.4f}" for s in sf)
        print(line)


if __name__ == "__main__":
    main()
