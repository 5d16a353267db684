"""The same abstracts through sentence-transformers, for benches/search.rs: prints wall and CPU
seconds. Usage: st_embed.py MODEL_DIR TEXTS.json"""
import json, os, sys, time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import sentence_transformers
from sentence_transformers import SentenceTransformer

model = SentenceTransformer(sys.argv[1], device="cpu")
model.max_seq_length = 256
texts = json.load(open(sys.argv[2]))
model.encode(texts[:8])  # warm up
wall, cpu = time.perf_counter(), time.process_time()
model.encode(texts, batch_size=32, normalize_embeddings=True)
print(json.dumps({
    "wall_s": time.perf_counter() - wall,
    "cpu_s": time.process_time() - cpu,
    "version": sentence_transformers.__version__,
}))
