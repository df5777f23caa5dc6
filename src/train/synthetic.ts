/**
 * A small LABELLED SYNTHETIC task for tests and demos (not real data). Each document mixes
 * "content" vectors (random unit vectors of its own) with "stopword" vectors drawn from a small
 * shared pool of directions (plus noise), as generic words are in real text. Synthetic queries
 * are sums of a few of the document's content vectors plus one stopword. Mean pooling is dominated
 * by the shared stopword directions; dropping them (what the policy should learn) raises the
 * inverse-retrieval reward. isStopword marks the generic vectors, so a test can check what was learned.
 */
import type { DenseMatrix, MultiVectorSet } from '../kernels/types';
import { Rng } from '../random';

export interface SyntheticTask {
  docs: MultiVectorSet;
  /** one vector per query (sum of its token vectors) */
  queries: DenseMatrix;
  queryOwner: Int32Array;
  /** 1 where the document vector is a shared "stopword" vector */
  isStopword: Uint8Array;
}

export function syntheticTask(o: { docs?: number; dim?: number; queriesPerDoc?: number; stopwords?: number; seed?: number } = {}): SyntheticTask {
  const nDocs = o.docs ?? 64;
  const D = o.dim ?? 16;
  const qpd = o.queriesPerDoc ?? 2;
  const rng = new Rng(o.seed ?? 7, 99);
  const unit = (): Float32Array => {
    const v = new Float32Array(D);
    let n = 0;
    for (let j = 0; j < D; j++) { v[j] = rng.normal(); n += v[j] * v[j]; }
    n = Math.sqrt(n);
    for (let j = 0; j < D; j++) v[j] /= n;
    return v;
  };
  const pool = Array.from({ length: o.stopwords ?? 3 }, unit);
  const rows: Float32Array[] = [];
  const stop: number[] = [];
  const offsets = new Int32Array(nDocs + 1);
  const content: Float32Array[][] = [];
  for (let d = 0; d < nDocs; d++) {
    const nc = 3 + rng.int(4);
    const ns = 6 + rng.int(7);
    const c = Array.from({ length: nc }, unit);
    content.push(c);
    const items: { v: Float32Array; s: number }[] = c.map((v) => ({ v, s: 0 }));
    for (let i = 0; i < ns; i++) {
      const base = pool[rng.int(pool.length)];
      const v = new Float32Array(D);
      let n = 0;
      for (let j = 0; j < D; j++) { v[j] = base[j] + 0.1 * rng.normal(); n += v[j] * v[j]; }
      for (let j = 0; j < D; j++) v[j] /= Math.sqrt(n);
      items.push({ v, s: 1 });
    }
    for (let i = items.length - 1; i > 0; i--) { const j = rng.int(i + 1); [items[i], items[j]] = [items[j], items[i]]; }
    for (const it of items) { rows.push(it.v); stop.push(it.s); }
    offsets[d + 1] = rows.length;
  }
  const vectors = new Float32Array(rows.length * D);
  rows.forEach((r, i) => vectors.set(r, i * D));
  const q = new Float32Array(nDocs * qpd * D);
  const owner = new Int32Array(nDocs * qpd);
  for (let d = 0; d < nDocs; d++) {
    for (let k = 0; k < qpd; k++) {
      const qi = d * qpd + k;
      owner[qi] = d;
      const c = content[d];
      const picks = [c[rng.int(c.length)], c[rng.int(c.length)], pool[rng.int(pool.length)]];
      for (const p of picks) for (let j = 0; j < D; j++) q[qi * D + j] += p[j];
    }
  }
  return {
    docs: { dim: D, vectors, offsets },
    queries: { rows: nDocs * qpd, dim: D, data: q },
    queryOwner: owner,
    isStopword: Uint8Array.from(stop),
  };
}
