"""Peer implementations for bench/peers.ts (not a test). Reads the inputs bench/peers.ts wrote as .npy
files in argv[1], prints one JSON line saying which peers loaded, then answers one JSON request per
stdin line: {"case": NAME} -> {"ms": wall milliseconds of one call} or {"error": why}.

Peers: faiss-cpu IndexFlatIP and numpy (matmul + argpartition) for scoreTopK, numpy (matmul + max)
for maxSimTopK, and plain PyTorch CPU for one GRPO step (MLP policy, inverse-retrieval NDCG@3
reward, clipped ratio, k3 KL, AdamW) and for compress (MLP keep-logits, p > 0.5, mean pool, L2).
Thread counts come from the environment (OMP/MKL/OPENBLAS_NUM_THREADS, REINPOOL_PEER_THREADS).
"""
import importlib
import json
import os
import sys
import time

threads = int(os.environ.get("REINPOOL_PEER_THREADS", "2"))
loaded = {}


def optional(name, setup=None):
    """The module, set up, with its version in `loaded`; or None with the reason it failed."""
    try:
        module = importlib.import_module(name)
        if setup:
            setup(module)
        loaded[name] = getattr(module, "__version__", "?")
        return module
    except Exception as e:  # noqa: BLE001
        loaded[name] = None
        loaded[name + "Error"] = str(e)
        return None


np = optional("numpy")
faiss = optional("faiss", lambda m: m.omp_set_num_threads(threads))
torch = optional("torch", lambda m: m.set_num_threads(threads))

d = sys.argv[1]


def load(name):
    return np.load(os.path.join(d, name + ".npy"))


def meta():
    with open(os.path.join(d, "meta.json")) as f:
        return json.load(f)


M = meta()
cache = {}


def topk_np(s, k):
    idx = np.argpartition(-s, k - 1, axis=1)[:, :k]
    part = np.take_along_axis(s, idx, 1)
    order = np.argsort(-part, axis=1, kind="stable")
    return np.take_along_axis(idx, order, 1), np.take_along_axis(part, order, 1)


def score_setup():
    if "score" not in cache:
        cache["score"] = (load("score_q"), load("score_k"))
    return cache["score"]


def score_numpy():
    q, k = score_setup()
    return topk_np(q @ k.T, M["score"]["k"])


def score_faiss():
    q, k = score_setup()
    if "faiss_index" not in cache:
        index = faiss.IndexFlatIP(k.shape[1])
        index.add(k)
        cache["faiss_index"] = index
    return cache["faiss_index"].search(q, M["score"]["k"])


def score_faiss_1thread():
    # the same search on one OpenMP thread: on a shared, oversubscribed machine faiss's 2-thread
    # OpenMP runs can be slower than one thread, which would flatter reinpool's 2-thread ratio
    faiss.omp_set_num_threads(1)
    try:
        return score_faiss()
    finally:
        faiss.omp_set_num_threads(threads)


def maxsim_numpy():
    if "maxsim" not in cache:
        cache["maxsim"] = (load("maxsim_q"), load("maxsim_d"))
    qv, dv = cache["maxsim"]
    m = M["maxsim"]
    nq, lq, nd, td = m["nq"], m["lq"], m["nd"], m["td"]
    scores = np.empty((nq, nd), dtype=np.float32)
    chunk = 50  # documents per matmul: nq*lq x chunk*td scores at a time
    for a in range(0, nd, chunk):
        b = min(nd, a + chunk)
        s = qv @ dv[a * td:b * td].T  # (nq*lq, (b-a)*td)
        scores[:, a:b] = s.reshape(nq, lq, b - a, td).max(axis=3).sum(axis=1)
    return topk_np(scores, m["k"])


class Mlp(torch.nn.Module if torch else object):
    """The reinpool MLP policy (src/policy/network.ts): features [x, m, x*m, cos(x, m), |x|, t/(T-1)]."""

    def __init__(self, D, H, w=None):
        super().__init__()
        self.l0 = torch.nn.Linear(3 * D + 3, H)
        self.head = torch.nn.Linear(H, 1)
        if w is not None:
            with torch.no_grad():
                self.l0.weight.copy_(torch.from_numpy(w["mlp0.w"]).T)
                self.l0.bias.copy_(torch.from_numpy(w["mlp0.b"]))
                self.head.weight.copy_(torch.from_numpy(w["head.w"]).T)
                self.head.bias.copy_(torch.from_numpy(w["head.b"]))

    def forward(self, x):  # x: [B, T, D], every document of length T
        B, T, D = x.shape
        m = x.mean(1, keepdim=True)
        xn = x.norm(dim=2, keepdim=True)
        mn = m.norm(dim=2, keepdim=True)
        cos = (x * m).sum(2, keepdim=True) / (xn * mn + 1e-6)
        pos = (torch.arange(T, dtype=x.dtype) / max(T - 1, 1)).view(1, T, 1).expand(B, T, 1)
        f = torch.cat([x, m.expand(B, T, D), x * m, cos, xn, pos], 2)
        return self.head(torch.relu(self.l0(f))).squeeze(2)


def grpo_setup():
    if "grpo" in cache:
        return cache["grpo"]
    g = M["grpo"]
    docs = torch.from_numpy(load("grpo_docs")).view(g["docs"], g["T"], g["D"])
    queries = torch.from_numpy(load("grpo_queries"))
    queries = queries / queries.norm(dim=1, keepdim=True).clamp_min(1e-12)
    owner = torch.from_numpy(load("grpo_owner")).long()
    torch.manual_seed(0)
    policy = Mlp(g["D"], g["hidden"])
    ref = Mlp(g["D"], g["hidden"])
    ref.load_state_dict(policy.state_dict())
    opt = torch.optim.AdamW(policy.parameters(), lr=g["lr"], weight_decay=g["weightDecay"])
    cache["grpo"] = (g, docs, queries, owner, policy, ref, opt, torch.Generator().manual_seed(1))
    return cache["grpo"]


def grpo_step():
    g, docs, queries, owner, policy, ref, opt, gen = grpo_setup()
    B, G, k = g["B"], g["G"], g["k"]
    batch = torch.randint(0, g["docs"], (B,), generator=gen)
    x = docs[batch]  # [B, T, D]
    with torch.no_grad():
        z_old = policy(x)
        z_ref = ref(x)
        p = torch.sigmoid(z_old)
        a = (torch.rand((G, B, x.shape[1]), generator=gen) < p).float()  # [G, B, T]
        kept = a.sum(2, keepdim=True)
        pooled = torch.einsum("gbt,btd->gbd", a, x) / kept.clamp_min(1)
        pooled = pooled / pooled.norm(dim=2, keepdim=True).clamp_min(1e-12)
        s = pooled.reshape(G * B, -1) @ queries.T  # [G*B, Q]
        top = s.topk(k, dim=1).indices  # [G*B, k]
        docid = batch.repeat(G)  # row g*B + b -> batch[b]
        rel = (owner[top] == docid[:, None]).float()
        disc = 1.0 / torch.log2(torch.arange(k, dtype=torch.float32) + 2)
        dcg = (rel * disc).sum(1)
        nrel = (owner[None, :] == batch[:, None]).sum(1).repeat(G).clamp(max=k)
        idcg = torch.cumsum(disc, 0)[(nrel - 1).clamp_min(0)] * (nrel > 0)
        r = torch.where(nrel > 0, dcg / idcg.clamp_min(1e-12), torch.zeros_like(dcg)).view(G, B)
        adv = ((r - r.mean(0)) / (r.std(0) + g["advEps"]))[:, :, None]  # [G, B, 1]
        lp = lambda z: a * torch.nn.functional.logsigmoid(z) + (1 - a) * torch.nn.functional.logsigmoid(-z)  # noqa: E731
        old = lp(z_old)
        reflp = lp(z_ref)
    for _ in range(g["innerEpochs"]):
        z = policy(x)
        logp = a * torch.nn.functional.logsigmoid(z) + (1 - a) * torch.nn.functional.logsigmoid(-z)
        ratio = torch.exp(logp - old)
        surr = torch.minimum(ratio * adv, ratio.clamp(1 - g["clipEps"], 1 + g["clipEps"]) * adv)
        kl = torch.exp(reflp - logp) - (reflp - logp) - 1
        loss = -(surr - g["beta"] * kl).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), g["maxGradNorm"])
        opt.step()
    return float(loss)


def compress_setup():
    if "compress" not in cache:
        c = M["compress"]
        w = {n: load("compress_" + n.replace(".", "_")) for n in ["mlp0.w", "mlp0.b", "head.w", "head.b"]}
        x = torch.from_numpy(load("compress_docs")).view(c["docs"], c["T"], c["D"])
        cache["compress"] = (c, Mlp(c["D"], c["hidden"], w), x)
    return cache["compress"]


def compress_torch():
    c, policy, x = compress_setup()
    out = torch.empty((c["docs"], c["D"]))
    chunk = max(1, 16384 // c["T"])  # documents per forward, as reinpool's maxBatchVectors
    with torch.no_grad():
        for a in range(0, c["docs"], chunk):
            xb = x[a:a + chunk]
            z = policy(xb)
            keep = (z > 0).float()
            none = keep.sum(1) == 0
            if none.any():
                keep[none, z[none].argmax(1)] = 1
            v = torch.einsum("bt,btd->bd", keep, xb) / keep.sum(1, keepdim=True)
            out[a:a + chunk] = v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return out


CASES = {
    "score.faiss": (lambda: faiss is not None and np is not None, score_faiss),
    "score.faiss1": (lambda: faiss is not None and np is not None, score_faiss_1thread),
    "score.numpy": (lambda: np is not None, score_numpy),
    "maxsim.numpy": (lambda: np is not None, maxsim_numpy),
    "grpo.torch": (lambda: torch is not None and np is not None, grpo_step),
    "compress.torch": (lambda: torch is not None and np is not None, compress_torch),
}

loaded["cases"] = [n for n, (ok, _) in CASES.items() if ok()]
loaded["threads"] = threads
print(json.dumps(loaded), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    name = req["case"]
    try:
        ok, fn = CASES[name]
        if not ok():
            raise RuntimeError(f"{name}: its Python package is missing")
        t0 = time.perf_counter()
        fn()
        ms = (time.perf_counter() - t0) * 1000
        print(json.dumps({"ms": ms}), flush=True)
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
