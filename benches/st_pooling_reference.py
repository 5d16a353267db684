"""Reference vectors for paperboy's CLS pooling and prompts, from sentence-transformers itself:
all-MiniLM-L6-v2's weights with a CLS pooling layer, on the first texts of the shared embedding
reference (one with a query prompt). Writes tests/support/embeddings/cls-reference.json.
Usage: st_pooling_reference.py MODEL_DIR SHARED_REFERENCE.jsonl"""
import json, os, sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from sentence_transformers import SentenceTransformer, models

word = models.Transformer(sys.argv[1], max_seq_length=256)
pool = models.Pooling(word.get_embedding_dimension(), pooling_mode="cls")
model = SentenceTransformer(modules=[word, pool, models.Normalize()], device="cpu")
texts = [json.loads(l)["text"] for l in open(sys.argv[2])][:4]
prompt = "query: "
rows = [{"text": t, "prompt": "", "embedding": [round(x, 6) for x in v.tolist()]}
        for t, v in zip(texts, model.encode(texts, normalize_embeddings=True))]
q = texts[3][:80]
rows.append({"text": q, "prompt": prompt, "embedding": model.encode([prompt + q], normalize_embeddings=True)[0].round(6).tolist()})
json.dump({"model": "all-MiniLM-L6-v2", "pooling": "cls", "rows": rows}, open(sys.argv[3] if len(sys.argv) > 3 else "tests/support/embeddings/cls-reference.json", "w"))
