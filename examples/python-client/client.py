"""Compress multi-vector documents with a running `reinpool serve` from Python (requests + numpy).

    reinpool serve --policy run1/policy --port 8080 &
    python examples/python-client/client.py

The request is a safetensors file built in memory (flat float32 vectors + int32 offsets, ids in the
metadata), the layout `reinpool compress --docs` reads; the answer is the file `reinpool compress
--out` would write: vectors [n, dim], offsets 0..n, ids. No safetensors package needed: the format
is an 8-byte header length, a JSON header and the raw arrays.
"""
import json
import struct
import sys

import numpy as np
import requests

BASE = "http://127.0.0.1:8080"


def to_safetensors(docs, ids):
    """docs: list of [T_d, dim] float32 arrays -> safetensors bytes (vectors, offsets, metadata ids)."""
    vectors = np.ascontiguousarray(np.concatenate(docs), dtype="<f4")
    offsets = np.zeros(len(docs) + 1, dtype="<i4")
    offsets[1:] = np.cumsum([d.shape[0] for d in docs])
    header = {
        "__metadata__": {"ids": json.dumps(ids)},
        "vectors": {"dtype": "F32", "shape": list(vectors.shape), "data_offsets": [0, vectors.nbytes]},
        "offsets": {"dtype": "I32", "shape": [len(offsets)], "data_offsets": [vectors.nbytes, vectors.nbytes + offsets.nbytes]},
    }
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + vectors.tobytes() + offsets.tobytes()


def from_safetensors(buf):
    """safetensors bytes -> (vectors [n, dim] float32, ids)."""
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8 : 8 + n])
    v = header["vectors"]
    start, end = v["data_offsets"]
    data = buf[8 + n + start : 8 + n + end]
    vectors = np.frombuffer(data, dtype="<f4").reshape(v["shape"])
    ids = json.loads(header.get("__metadata__", {}).get("ids", "null"))
    return vectors, ids


def post(route, docs, ids, params=None):
    r = requests.post(BASE + route, params=params, data=to_safetensors(docs, ids),
                      headers={"Content-Type": "application/x-safetensors"}, timeout=120)
    if r.status_code == 429:  # the server's queue is full: wait as told, then retry
        raise RuntimeError(f"busy, retry after {r.headers.get('Retry-After')} s")
    if r.status_code != 200:
        raise RuntimeError(f"{r.status_code}: {r.json()['message']}")
    return from_safetensors(r.content)


def compress(docs, ids, **options):
    """One vector per document. options: threshold=0.5 | keep_top_k=8 | keep_ratio=0.1, pool='mean'|'max'."""
    return post("/v1/compress", docs, ids, {k.replace("_", "-"): v for k, v in options.items()})


def queries(qs, ids):
    """One vector per query to search the compressed documents with (centred as the policy's documents
    are, summed, unit norm): a policy from `reinpool experiment` needs its queries centred."""
    return post("/v1/queries", qs, ids)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    dim = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    docs = [rng.standard_normal((int(t), dim)).astype(np.float32) for t in rng.integers(20, 200, size=8)]
    vectors, ids = compress(docs, [f"doc{i}" for i in range(len(docs))], keep_top_k=8)
    print(vectors.shape, ids[:3], np.linalg.norm(vectors, axis=1)[:3])
    qs = [rng.standard_normal((int(t), dim)).astype(np.float32) for t in rng.integers(3, 12, size=4)]
    qv, qids = queries(qs, [f"q{i}" for i in range(len(qs))])
    print("top document per query:", [ids[i] for i in np.argmax(qv @ vectors.T, axis=1)])
