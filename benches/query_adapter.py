"""A query-side linear adapter, studied and dropped (issue 18; BENCHMARKS.md): q' = normalise(q + A·q),
A fitted so that each paper's title, embedded, finds that paper's vector among all of the corpus's
(softmax over every paper, temperature 0.05, Adam). Papers' vectors are not touched, so an instance
could fit it on its own papers without embedding them again. Prints semantic MRR@10 per kind of the
known-item queries with and without it.

Usage (vector files as `examples/embed_lines` writes them, id<TAB>base64 f32):
  query_adapter.py PAPERS.tsv TITLES.tsv QUERIES.tsv DEV.tsv [L2 EPOCHS]
where QUERIES.tsv holds `n<TAB>vector` for the n-th query of DEV.tsv. Needs numpy and torch."""
import base64, csv, sys
import numpy as np
import torch


def load(path):
    ids, vs = [], []
    for line in open(path):
        i, b = line.rstrip("\n").split("\t")
        ids.append(i)
        vs.append(np.frombuffer(base64.b64decode(b), dtype="<f4"))
    return ids, np.stack(vs)


def fit(D, T, pairs, l2, epochs, temp=0.05):
    torch.manual_seed(0)
    D, T, idx = torch.tensor(D), torch.tensor(T), torch.tensor(pairs)
    A = torch.zeros(D.shape[1], D.shape[1], requires_grad=True)
    opt = torch.optim.Adam([A], lr=1e-3)
    for _ in range(epochs):
        perm = idx[torch.randperm(len(idx))]
        for b in range(0, len(perm), 512):
            bt = perm[b : b + 512]
            q = torch.nn.functional.normalize(T[bt[:, 0]] + T[bt[:, 0]] @ A.T, dim=1)
            loss = torch.nn.functional.cross_entropy(q @ D.T / temp, bt[:, 1]) + l2 * (A**2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return A.detach().numpy()


def mrr(D, Q, rows, pos):
    S = Q @ D.T
    res = {}
    for k, (aid, _, kind) in enumerate(rows):
        r = (S[k] > S[k, pos[aid]]).sum() + 1
        for g in ("all", kind):
            res.setdefault(g, []).append(1 / r if r <= 10 else 0)
    return " ".join(f"{g} {np.mean(v):.3f}" for g, v in res.items())


did, D = load(sys.argv[1])
tid, T = load(sys.argv[2])
_, Q = load(sys.argv[3])
rows = list(csv.reader(open(sys.argv[4]), delimiter="\t"))[1:]
l2, epochs = (float(sys.argv[5]), int(sys.argv[6])) if len(sys.argv) > 6 else (0.0, 3)
pos = {i: k for k, i in enumerate(did)}
A = fit(D, T, [(k, pos[i]) for k, i in enumerate(tid) if i in pos], l2, epochs)
Qa = Q + Q @ A.T
Qa /= np.linalg.norm(Qa, axis=1, keepdims=True)
print("without:", mrr(D, Q, rows, pos))
print(f"with (L2 {l2}, {epochs} epochs):", mrr(D, Qa, rows, pos))
