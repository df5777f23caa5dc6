/**
 * evaluate(): every method against the same corpus, queries and judgements; metrics from the kernels
 * (trec_eval's ndcg_cut and recall_k), averaged over the queries with at least one relevant
 * judgement; optional TREC run files and qrels.txt that trec_eval reproduces.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RunEntry, subset, writeTrecQrels, writeTrecRun } from '../io';
import { getKernels } from '../kernels';
import type { Kernels, MultiVectorSet, Qrels } from '../kernels/types';
import type { QueryReduce } from '../encode/vectors';
import { CompressFn, Method, methodFromName, MethodIndex, MethodOptions } from './methods';
import type { MuveraOptions } from './muvera';
import { prepareQrels, QrelsInput, qrelsToMap } from './qrels';
import { trecOrder } from './trec';

export const METRICS = ['ndcg@3', 'ndcg@5', 'ndcg@10', 'recall@10', 'recall@100'] as const;
export type MetricName = typeof METRICS[number];

export interface MethodMetrics {
  'ndcg@3': number;
  'ndcg@5': number;
  'ndcg@10': number;
  'recall@10': number;
  'recall@100': number;
  vectorsPerDoc: number;
  floatsPerDoc: number;
}

export interface EvaluationResult {
  /** documents in the corpus */
  docs: number;
  /** queries evaluated (those with at least one relevant judgement) */
  queries: number;
  /** vector dimension of the corpus */
  dim: number;
  /** average vectors per document in the corpus (what maxsim stores) */
  vectorsPerDoc: number;
  /** ranking depth per query */
  depth: number;
  /** kernel backend used */
  backend: string;
  methods: Record<string, MethodMetrics>;
  /** NDCG@3 of the method / NDCG@3 of maxsim (present when maxsim was evaluated) */
  recoveryNdcg3: Record<string, number>;
  /** floats per document of maxsim (the full multi-vector corpus) / floats per document of the method */
  compression: Record<string, number>;
  /** per method: dimension, kind (single | multi) and parameters (muvera's configuration, ...) */
  methodInfo: Record<string, Record<string, number | string | boolean>>;
  /** wall seconds per method (index + search + metrics) */
  methodSeconds: Record<string, number>;
  /** what could not be evaluated */
  skipped: { queriesWithoutRelevant: number; queriesWithoutVectors: number; judgedDocsNotInCorpus: number };
  /** with runsDir: the files written */
  runs?: { dir: string; qrels: string; files: Record<string, string> };
  /** the documents were their own queries, each ranking every document but its own (EvaluateOptions.selfQueries) */
  selfQueries?: boolean;
  /** with perQuery: per-query metric values, aligned with queryIds */
  perQuery?: { queryIds: string[]; methods: Record<string, Record<MetricName, number[]>> };
}

export interface EvaluateOptions {
  /** the corpus: ragged multi-vector documents (ids used in run files; default "0", "1", ...) */
  docs: MultiVectorSet;
  /** multi-vector queries (ids must match the qrels; default "0", "1", ...) */
  queries: MultiVectorSet;
  /** judgements by string ids, or a Qrels CSR aligned with queries (rows) and docs (indices) */
  qrels: QrelsInput;
  /** method names (see methodFromName) or Method objects; default maxsim, mean, max, tokenpool-1..32, muvera (+ reinpool with a compressor) */
  methods?: Array<string | Method>;
  /** ReinPool compressor for the 'reinpool' method (e.g. the policy module's compress) */
  reinpool?: CompressFn;
  /** write NAME.run (TREC, top `depth`) for each method and qrels.txt here */
  runsDir?: string;
  /** documents ranked per query: default 1000 with runsDir else 100; at least 100 (recall@100) */
  depth?: number;
  /** one vector per query for single-vector methods (reduceQueries): sum (default), mean, max */
  queryReduce?: QueryReduce;
  muvera?: MuveraOptions;
  /** L2-normalise tokenpool cluster means (default true) */
  tokenpoolNormalize?: boolean;
  /** keep per-query values in the result */
  perQuery?: boolean;
  /** kernels to use (default getKernels()) */
  kernels?: Kernels;
  /** progress lines, e.g. console.error */
  onProgress?: (message: string) => void;
  /**
   * an earlier evaluation of the same documents and queries whose results for these method names are
   * copied instead of recomputed (with their run files, into runsDir): the baselines of an experiment
   * repeated with another training seed, which no training seed changes
   */
  reuse?: { from: EvaluationResult; methods: string[] };
  /**
   * the queries are the documents themselves (a query's id is its document's id, as selfQueryTask
   * in ./fidelity.ts makes them): each query's own document is left out of its ranking
   */
  selfQueries?: boolean;
}

export const DEFAULT_EVAL_METHODS = ['maxsim', 'mean', 'max', 'tokenpool-1', 'tokenpool-2', 'tokenpool-4', 'tokenpool-8', 'tokenpool-16', 'tokenpool-32', 'muvera-100', 'muvera-1024', 'muvera'];

function idsOf(set: MultiVectorSet): string[] {
  const n = set.offsets.length - 1;
  return set.ids ?? Array.from({ length: n }, (_, i) => String(i));
}

const mean = (a: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length > 0 ? s / a.length : 0;
};

/** Per-query metrics of rankings (row-major queries x width, -1 = empty) through the kernels. */
export async function rankingMetrics(kernels: Kernels, ranked: Int32Array, width: number, qrels: Qrels): Promise<Record<MetricName, Float64Array>> {
  const args = (k: number) => ({ ranked, width, qrels, k });
  const [n3, n5, n10, r10, r100] = await Promise.all([
    kernels.ndcgAtKAsync(args(3)), kernels.ndcgAtKAsync(args(5)), kernels.ndcgAtKAsync(args(10)),
    kernels.recallAtKAsync(args(10)), kernels.recallAtKAsync(args(100)),
  ]);
  return { 'ndcg@3': n3, 'ndcg@5': n5, 'ndcg@10': n10, 'recall@10': r10, 'recall@100': r100 };
}

/**
 * Metrics of rankings given by ids, e.g. results from an external vector store: rankings maps a query
 * id to its document ids, best first (already in final order: ties are not re-broken). Averaged over
 * the queries that have a ranking and a relevant judgement, as trec_eval (without -c) and evaluate()
 * do; pass queryIds to average over other queries (a query without a ranking then counts 0).
 */
export async function scoreRankings(rankings: Map<string, string[]> | Record<string, string[]>, qrels: QrelsInput,
  opts: { queryIds?: string[]; docIds?: string[]; kernels?: Kernels } = {}): Promise<Record<MetricName, number>> {
  const kernels = opts.kernels ?? getKernels();
  const rk = rankings instanceof Map ? rankings : new Map(Object.entries(rankings));
  const docIds = opts.docIds ?? [...new Set([...rk.values()].flat())];
  const queryIds = opts.queryIds ?? [...rk.keys()];
  const prep = prepareQrels(qrels, queryIds, docIds);
  const index = new Map(prep.docIds.map((d, i) => [d, i]));
  const width = Math.max(100, ...prep.queryIds.map((q) => rk.get(q)?.length ?? 0));
  const ranked = new Int32Array(prep.queryIds.length * width).fill(-1);
  let extra = prep.docIds.length;
  prep.queryIds.forEach((q, r) => {
    (rk.get(q) ?? []).forEach((d, i) => {
      let idx = index.get(d);
      if (idx === undefined) index.set(d, (idx = extra++));
      ranked[r * width + i] = idx;
    });
  });
  const per = await rankingMetrics(kernels, ranked, width, prep.csr);
  const out = {} as Record<MetricName, number>;
  for (const m of METRICS) out[m] = mean(per[m]);
  return out;
}

export async function evaluate(opts: EvaluateOptions): Promise<EvaluationResult> {
  const kernels = opts.kernels ?? getKernels();
  const { docs, queries } = opts;
  const log = opts.onProgress ?? (() => undefined);
  if (docs.dim !== queries.dim) throw new RangeError(`evaluate: queries.dim ${queries.dim} differs from docs.dim ${docs.dim}`);
  const nDocs = docs.offsets.length - 1;
  if (nDocs < 1) throw new RangeError('evaluate: docs must hold at least one document');
  const depthReq = opts.depth ?? (opts.runsDir ? 1000 : 100);
  if (!Number.isInteger(depthReq) || depthReq < 100) throw new RangeError(`evaluate: depth must be an integer >= 100 (recall@100 needs it), got ${depthReq}`);
  const selfQueries = opts.selfQueries ?? false;
  if (selfQueries && nDocs < 2) throw new RangeError('evaluate: selfQueries needs at least two documents (a query never ranks its own)');
  // with self-queries one more is searched, so that the ranking still holds `depth` once its own document is out
  const depth = Math.min(depthReq, selfQueries ? nDocs - 1 : nDocs);

  const docIds = idsOf(docs);
  const queryIds = idsOf(queries);
  const prep = prepareQrels(opts.qrels, queryIds, docIds);
  if (prep.queries.length === 0) throw new RangeError('evaluate: no query has both vectors and a relevant judgement (check that query ids match the qrels)');
  const evalQueries = subset(queries, prep.queries);
  let selfDoc: Int32Array | undefined;
  if (selfQueries) {
    const index = new Map(docIds.map((d, i) => [d, i]));
    selfDoc = Int32Array.from(prep.queryIds, (q) => {
      const d = index.get(q);
      if (d === undefined) throw new RangeError(`evaluate: selfQueries: query '${q}' is no document's id (the queries must be the documents, with their ids)`);
      return d;
    });
  }

  const mopts: MethodOptions = {
    reinpool: opts.reinpool, queryReduce: opts.queryReduce, muvera: opts.muvera, tokenpool: { normalize: opts.tokenpoolNormalize },
  };
  const requested = opts.methods ?? (opts.reinpool ? [...DEFAULT_EVAL_METHODS, 'reinpool'] : DEFAULT_EVAL_METHODS);
  const methods = requested.map((m) => (typeof m === 'string' ? methodFromName(m, mopts) : m));
  const seen = new Set<string>();
  for (const m of methods) {
    if (seen.has(m.name)) throw new RangeError(`evaluate: method '${m.name}' is listed twice`);
    seen.add(m.name);
  }

  if (opts.runsDir) {
    const all = qrelsToMap(opts.qrels, queryIds, docIds);
    const entries = [];
    for (const qid of prep.queryIds) {
      for (const [docid, rel] of all.get(qid)!) {
        if (!Number.isInteger(rel)) throw new RangeError(`evaluate: relevance of (${qid}, ${docid}) is ${rel}; trec_eval reads integer relevance only, so run files cannot be written`);
        entries.push({ qid, docid, rel });
      }
    }
    fs.mkdirSync(opts.runsDir, { recursive: true });
    writeTrecQrels(path.join(opts.runsDir, 'qrels.txt'), entries);
  }

  const fullVectors = docs.offsets[nDocs] / nDocs;
  const result: EvaluationResult = {
    docs: nDocs,
    queries: prep.queries.length,
    dim: docs.dim,
    vectorsPerDoc: fullVectors,
    depth,
    backend: kernels.name,
    methods: {},
    recoveryNdcg3: {},
    compression: {},
    methodInfo: {},
    methodSeconds: {},
    skipped: {
      queriesWithoutRelevant: prep.queriesWithoutRelevant,
      queriesWithoutVectors: prep.queriesWithoutVectors.length,
      judgedDocsNotInCorpus: prep.missingDocs,
    },
  };
  if (selfQueries) result.selfQueries = true;
  if (opts.runsDir) result.runs = { dir: opts.runsDir, qrels: path.join(opts.runsDir, 'qrels.txt'), files: {} };
  if (opts.perQuery) result.perQuery = { queryIds: prep.queryIds, methods: {} };

  const reused = new Set(opts.reuse?.methods ?? []);
  if (opts.reuse && (opts.reuse.from.docs !== nDocs || opts.reuse.from.queries !== prep.queries.length)) {
    throw new RangeError(`evaluate: reuse comes from ${opts.reuse.from.docs} documents and ${opts.reuse.from.queries} queries, not ${nDocs} and ${prep.queries.length}`);
  }
  for (const method of methods) {
    if (reused.has(method.name)) {
      copyMethod(opts.reuse!.from, method.name, result);
      log(`${method.name}: NDCG@10 ${result.methods[method.name]['ndcg@10'].toFixed(4)} (the same as the earlier evaluation)`);
      continue;
    }
    const t0 = process.hrtime.bigint();
    log(`${method.name}: indexing ${nDocs} documents`);
    const index: MethodIndex = await method.index(docs, kernels);
    log(`${method.name}: searching ${prep.queries.length} queries (depth ${depth})`);
    const top = await index.search(evalQueries, selfDoc ? depth + 1 : depth);
    const width = depth;
    const ranked = new Int32Array(prep.queries.length * width).fill(-1);
    const run: RunEntry[] = [];
    for (let q = 0; q < prep.queries.length; q++) {
      const ordered = selfDoc ? withoutDoc(trecOrder(top, q, docIds), selfDoc[q], depth) : trecOrder(top, q, docIds);
      ranked.set(ordered.docs, q * width);
      if (opts.runsDir) {
        const qid = prep.queryIds[q];
        ordered.docs.forEach((d, r) => run.push({ qid, docid: docIds[d], score: ordered.scores[r] }));
      }
    }
    const per = await rankingMetrics(kernels, ranked, width, prep.csr);
    const mm = {} as MethodMetrics;
    for (const m of METRICS) mm[m] = mean(per[m]);
    mm.vectorsPerDoc = index.vectorsPerDoc;
    mm.floatsPerDoc = index.floatsPerDoc;
    result.methods[method.name] = mm;
    result.methodInfo[method.name] = { kind: index.kind, dim: index.dim, ...index.info };
    if (result.perQuery) {
      const pq = {} as Record<MetricName, number[]>;
      for (const m of METRICS) pq[m] = Array.from(per[m]);
      result.perQuery.methods[method.name] = pq;
    }
    if (opts.runsDir && result.runs) {
      const file = path.join(opts.runsDir, `${method.name}.run`);
      writeTrecRun(file, run, method.name);
      result.runs.files[method.name] = file;
    }
    result.methodSeconds[method.name] = Number(process.hrtime.bigint() - t0) / 1e9;
    log(`${method.name}: NDCG@10 ${mm['ndcg@10'].toFixed(4)} in ${result.methodSeconds[method.name].toFixed(2)} s`);
  }

  const fullFloats = fullVectors * docs.dim;
  const base = result.methods.maxsim;
  for (const [name, m] of Object.entries(result.methods)) {
    result.compression[name] = m.floatsPerDoc > 0 ? fullFloats / m.floatsPerDoc : 0;
    if (base) result.recoveryNdcg3[name] = base['ndcg@3'] > 0 ? m['ndcg@3'] / base['ndcg@3'] : 0;
  }
  return result;
}

/** A ranking without document `doc`, cut to `depth` (what a self-query ranks: every document but its own). */
export function withoutDoc(r: { docs: Int32Array; scores: Float32Array }, doc: number, depth: number): { docs: Int32Array; scores: Float32Array } {
  const keep: number[] = [];
  for (let i = 0; i < r.docs.length && keep.length < depth; i++) if (r.docs[i] !== doc) keep.push(i);
  return { docs: Int32Array.from(keep, (i) => r.docs[i]), scores: Float32Array.from(keep, (i) => r.scores[i]) };
}

/** One method's results from an earlier evaluation into `to` (its run file copied into to's runs folder). */
function copyMethod(from: EvaluationResult, name: string, to: EvaluationResult): void {
  const m = from.methods[name];
  if (!m) throw new RangeError(`evaluate: reuse has no results for method '${name}'`);
  to.methods[name] = m;
  to.methodInfo[name] = from.methodInfo[name];
  to.methodSeconds[name] = 0;
  if (to.perQuery) {
    const pq = from.perQuery?.methods[name];
    if (!pq || from.perQuery!.queryIds.some((q, i) => q !== to.perQuery!.queryIds[i])) throw new RangeError(`evaluate: reuse has no per-query results of '${name}' for these queries`);
    to.perQuery.methods[name] = pq;
  }
  if (to.runs) {
    const file = from.runs?.files[name];
    if (!file) throw new RangeError(`evaluate: reuse wrote no run file for '${name}'`);
    const dest = path.join(to.runs.dir, `${name}.run`);
    if (path.resolve(file) !== path.resolve(dest)) fs.copyFileSync(file, dest);
    to.runs.files[name] = dest;
  }
}
