/**
 * Integration with the real data beside the project (../shared/data, or $REINPOOL_DATA_DIR), checked
 * against the reference figures of docs/data.md with a brute-force MaxSim / mean-pool NDCG@10 written here
 * (no kernels backend involved). Without the data the suites are skipped and say so.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { MultiVectorSet, Qrels } from '../../src/kernels/types';
import { beirDocText, loadMultiVectors, readBeirCorpus, readBeirQrels, readBeirQueries } from '../../src/io';
import { prepareQrels } from '../../src/eval';
import { beirTrainingQueries, encodeTexts, inverseCloze, loadWordVectors, reduceQueries } from '../../src/encode';

const DATA = process.env.REINPOOL_DATA_DIR ?? path.resolve(__dirname, '../../../shared/data');
const have = (sub: string): boolean => {
  const ok = fs.existsSync(path.join(DATA, sub));
  if (!ok) console.log(`realdata: ${path.join(DATA, sub)} not found; skipping its tests (set REINPOOL_DATA_DIR)`);
  return ok;
};

/** trec_eval ndcg_cut: gain = judged value, discount log2(rank + 1), ideal from the judgements; ties by lower index. */
function ndcgAt(scores: Float64Array, qrels: Qrels, q: number, k: number): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  const rel = new Map<number, number>();
  for (let j = qrels.offsets[q]; j < qrels.offsets[q + 1]; j++) rel.set(qrels.docs[j], qrels.gains[j]);
  let dcg = 0;
  for (let i = 0; i < Math.min(k, order.length); i++) { const g = rel.get(order[i]) ?? 0; if (g > 0) dcg += g / Math.log2(i + 2); }
  const ideal = [...rel.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Plain MaxSim of query q against every document: sum over query vectors of the max dot product. */
function maxSimScores(queries: MultiVectorSet, q: number, docs: MultiVectorSet, limitDocs = docs.offsets.length - 1): Float64Array {
  const D = docs.dim;
  const out = new Float64Array(limitDocs);
  for (let d = 0; d < limitDocs; d++) {
    let s = 0;
    for (let a = queries.offsets[q]; a < queries.offsets[q + 1]; a++) {
      let best = -Infinity;
      for (let t = docs.offsets[d]; t < docs.offsets[d + 1]; t++) {
        let dot = 0;
        for (let j = 0; j < D; j++) dot += queries.vectors[a * D + j] * docs.vectors[t * D + j];
        if (dot > best) best = dot;
      }
      s += best;
    }
    out[d] = s;
  }
  return out;
}

/** Normalised mean of each document's vectors. */
function meanPool(docs: MultiVectorSet): Float32Array {
  const D = docs.dim;
  const n = docs.offsets.length - 1;
  const m = new Float32Array(n * D);
  for (let d = 0; d < n; d++) {
    const acc = new Float64Array(D);
    for (let t = docs.offsets[d]; t < docs.offsets[d + 1]; t++) for (let j = 0; j < D; j++) acc[j] += docs.vectors[t * D + j];
    const norm = Math.hypot(...acc) || 1;
    for (let j = 0; j < D; j++) m[d * D + j] = acc[j] / norm;
  }
  return m;
}

/** Query = sum of its vectors, scored by dot product against pooled documents (ranking as mean/normalised). */
function pooledScores(queries: MultiVectorSet, q: number, pooled: Float32Array, D: number): Float64Array {
  const qv = new Float64Array(D);
  for (let a = queries.offsets[q]; a < queries.offsets[q + 1]; a++) for (let j = 0; j < D; j++) qv[j] += queries.vectors[a * D + j];
  const n = pooled.length / D;
  const out = new Float64Array(n);
  for (let d = 0; d < n; d++) { let s = 0; for (let j = 0; j < D; j++) s += qv[j] * pooled[d * D + j]; out[d] = s; }
  return out;
}

const nano = have('colbert-nanofiqa');
(nano ? describe : describe.skip)('colbert-nanofiqa (real ColBERTv2 vectors)', () => {
  const dir = path.join(DATA, 'colbert-nanofiqa');
  test('loads and reproduces MaxSim NDCG@10 ~0.936 and mean pooling ~0.809', () => {
    const docs = loadMultiVectors({ file: path.join(dir, 'doc_vectors.npy'), offsets: path.join(dir, 'doc_offsets.npy'), ids: path.join(dir, 'doc_ids.txt'), finite: true });
    // padded 5 x 32 x 128: every row is a real vector (ColBERT pads queries with [MASK] tokens)
    const queries = loadMultiVectors({ file: path.join(dir, 'query_vectors.npy'), ids: path.join(dir, 'query_ids.txt') });
    expect([docs.offsets.length - 1, docs.offsets[35], docs.dim]).toEqual([35, 4430, 128]);
    expect([queries.offsets.length - 1, queries.offsets[5]]).toEqual([5, 160]);
    const qrels = prepareQrels(readBeirQrels(path.join(dir, 'qrels.tsv')), queries.ids!, docs.ids!).csr;
    const pooled = meanPool(docs);
    let full = 0;
    let mean = 0;
    for (let q = 0; q < 5; q++) {
      full += ndcgAt(maxSimScores(queries, q, docs), qrels, q, 10);
      mean += ndcgAt(pooledScores(queries, q, pooled, 128), qrels, q, 10);
    }
    console.log(`colbert-nanofiqa NDCG@10: MaxSim ${(full / 5).toFixed(4)}, mean pooling ${(mean / 5).toFixed(4)}`);
    expect(Math.abs(full / 5 - 0.936)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(mean / 5 - 0.809)).toBeLessThanOrEqual(0.01);
  });
});

const sci = have('scifact');
(sci ? describe : describe.skip)('SciFact with GloVe token vectors', () => {
  test('MaxSim NDCG@10 ~0.51 and mean pooling ~0.21 on the 300 test queries', () => {
    const dir = path.join(DATA, 'scifact');
    const t0 = Date.now();
    const wv = loadWordVectors({ log: console.log });
    const tVectors = Date.now() - t0;
    const corpus = readBeirCorpus(dir);
    const docIds = corpus.map((d) => d.id);
    const docs = encodeTexts(wv, corpus.map(beirDocText), { ids: docIds });
    const qrelEntries = readBeirQrels(dir, 'test');
    const qids = [...new Set(qrelEntries.map((e) => e.qid))];
    const qtext = new Map(readBeirQueries(dir).map((q) => [q.id, q.text]));
    const queries = encodeTexts(wv, qids.map((q) => qtext.get(q)!), { ids: qids });
    const qrels = prepareQrels(qrelEntries, qids, docIds).csr;
    expect([docIds.length, qids.length]).toEqual([5183, 300]);
    const D = wv.dim;

    // MaxSim over word vectors depends only on which words a document holds, so score each query
    // word against the corpus vocabulary once and take per-document maxima over distinct words.
    // Exactly the same sums as the plain loop (checked below on a slice).
    const local = new Map<number, number>();
    const vocabRows: number[] = [];
    const uniq: number[] = [];
    const uoff = new Int32Array(docIds.length + 1);
    for (let d = 0; d < docIds.length; d++) {
      const seen = new Set<number>();
      for (let t = docs.offsets[d]; t < docs.offsets[d + 1]; t++) {
        const r = docs.rows[t];
        let l = local.get(r);
        if (l === undefined) { l = vocabRows.length; local.set(r, l); vocabRows.push(r); }
        seen.add(l);
      }
      for (const l of seen) uniq.push(l);
      uoff[d + 1] = uniq.length;
    }
    const V = vocabRows.length;
    const VM = new Float32Array(V * D);
    vocabRows.forEach((r, i) => VM.set(r < 0 ? new Float32Array(D) : wv.matrix.subarray(r * D, r * D + D), i * D));
    const U = Int32Array.from(uniq);
    const maxSimFast = (q: number): Float64Array => {
      const count = new Map<number, number>();
      for (let t = queries.offsets[q]; t < queries.offsets[q + 1]; t++) count.set(queries.rows[t], (count.get(queries.rows[t]) ?? 0) + 1);
      const qr = [...count.keys()];
      const mult = qr.map((r) => count.get(r)!);
      const nu = qr.length;
      const sim = new Float32Array(V * nu);
      for (let u = 0; u < nu; u++) {
        const qv = wv.matrix.subarray(qr[u] * D, qr[u] * D + D);
        for (let v = 0; v < V; v++) {
          let s = 0;
          const b = v * D;
          for (let j = 0; j < D; j++) s += VM[b + j] * qv[j];
          sim[v * nu + u] = s;
        }
      }
      const out = new Float64Array(docIds.length);
      const best = new Float32Array(nu);
      for (let d = 0; d < docIds.length; d++) {
        best.fill(-Infinity);
        for (let e = uoff[d]; e < uoff[d + 1]; e++) {
          const base = U[e] * nu;
          for (let u = 0; u < nu; u++) if (sim[base + u] > best[u]) best[u] = sim[base + u];
        }
        let s = 0;
        for (let u = 0; u < nu; u++) s += mult[u] * best[u];
        out[d] = s;
      }
      return out;
    };

    // the shortcut equals the plain MaxSim loop (3 queries x 200 documents)
    for (const q of [0, 1, 2]) {
      const plain = maxSimScores(queries, q, docs, 200);
      const fast = maxSimFast(q).subarray(0, 200);
      for (let d = 0; d < 200; d++) expect(fast[d]).toBeCloseTo(plain[d], 4);
    }

    const pooled = meanPool(docs);
    let full = 0;
    let mean = 0;
    const t1 = Date.now();
    for (let q = 0; q < qids.length; q++) {
      full += ndcgAt(maxSimFast(q), qrels, q, 10);
      mean += ndcgAt(pooledScores(queries, q, pooled, D), qrels, q, 10);
    }
    full /= qids.length;
    mean /= qids.length;
    console.log(`SciFact NDCG@10 (GloVe tokens, ${docs.offsets[docIds.length]} document vectors): MaxSim ${full.toFixed(4)}, mean pooling ${mean.toFixed(4)}; `
      + `word vectors ${wv.origin.kind} in ${tVectors} ms, scoring ${Date.now() - t1} ms`);
    expect(Math.abs(full - 0.51)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(mean - 0.21)).toBeLessThanOrEqual(0.03);
  }, 300_000);

  test('training queries: qrels/train.tsv pairs and inverse-cloze sentences', () => {
    const dir = path.join(DATA, 'scifact');
    const wv = loadWordVectors();
    const corpus = readBeirCorpus(dir);
    const docIds = corpus.map((d) => d.id);
    const train = beirTrainingQueries(wv, dir, docIds, 'train');
    expect(train.owner.length + train.skipped).toBe(919);
    expect(train.owner.length).toBeGreaterThan(900);
    const ict = inverseCloze(wv, corpus.slice(0, 200).map((d) => d.text), { perDoc: 3, seed: 1 });
    expect(ict.owner.length).toBeGreaterThan(550);
    expect(ict.kinds.filter((k) => k === 'sentence').length).toBeGreaterThan(500);
    const single = reduceQueries(ict.vectors);
    expect([single.rows, single.dim]).toEqual([ict.owner.length, 100]);
    console.log(`SciFact training queries: ${train.owner.length} qrels pairs (${train.skipped} skipped); inverse cloze on 200 documents: ${ict.owner.length} queries`);
  });
});
