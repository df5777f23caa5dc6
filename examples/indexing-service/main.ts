/**
 * Example: an indexing service that stores ONE vector per document in LanceDB, and the proof that
 * its search gives the same NDCG as `reinpool eval` for the same method.
 *
 *   node dist/examples/indexing-service/main.js [--data DIR] [--policy DIR] [--batch N] [--k N]
 *
 * --data: a folder with doc_vectors.npy, doc_offsets.npy, doc_ids.txt, query_vectors.npy,
 *         query_ids.txt, qrels.tsv (default: ../shared/data/colbert-nanofiqa, real ColBERTv2 vectors)
 * --policy: a trained ReinPool policy; without it documents are mean-pooled (the `mean` method)
 *
 * Documents arrive in batches (as an ingest queue would deliver them); each batch is compressed
 * (compressAsync: the event loop stays free) and appended to the table. Then every query is summed
 * into one vector and searched in LanceDB; the ranked ids are scored with the same metric code as
 * `reinpool eval` (eval's scoreRankings) and compared to evaluate() on the same files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { evaluate, reinpoolMethod, scoreRankings, METRICS, MetricName } from '../../src/eval';
import { loadMultiVectors, readBeirQrels } from '../../src/io';
import type { MultiVectorSet } from '../../src/kernels/types';
import { Compressor, IndexingService, meanCompressor } from './service';

export interface ExampleOptions {
  dataDir: string;
  policyDir?: string;
  /** documents per ingest batch (default 8) */
  batch?: number;
  /** documents retrieved per query (default 100, enough for recall@100) */
  k?: number;
  log?: (msg: string) => void;
}

export interface ExampleResult {
  method: string;
  rows: number;
  /** metrics of the LanceDB rankings */
  service: Record<MetricName, number>;
  /** metrics of reinpool's evaluate() for the same method */
  eval: Record<MetricName, number>;
  maxAbsDiff: number;
}

/** The documents [first, last) as their own MultiVectorSet (what one ingest message would carry). */
function slice(set: MultiVectorSet, first: number, last: number): MultiVectorSet {
  const a = set.offsets[first];
  const b = set.offsets[last];
  const offsets = new Int32Array(last - first + 1);
  for (let i = 0; i <= last - first; i++) offsets[i] = set.offsets[first + i] - a;
  return { dim: set.dim, vectors: set.vectors.slice(a * set.dim, b * set.dim), offsets, ids: set.ids!.slice(first, last) };
}

/** A saved policy as the service's compressor: its preprocessing (centre, stop vectors) applied to documents and queries. */
export async function policyCompressor(dir: string): Promise<Compressor> {
  const { openPolicy } = await import('../../src/policy/open');
  const p = await openPolicy(dir);
  return { name: 'reinpool', compress: (docs) => p.compress(docs), prepareQueries: p.prepareQueries };
}

export function loadFolder(dir: string): { docs: MultiVectorSet; queries: MultiVectorSet; qrels: ReturnType<typeof readBeirQrels> } {
  const f = (n: string) => path.join(dir, n);
  const docs = loadMultiVectors({ file: f('doc_vectors.npy'), offsets: f('doc_offsets.npy'), ids: f('doc_ids.txt') });
  const queries = loadMultiVectors({ file: f('query_vectors.npy'), ids: f('query_ids.txt') });
  return { docs, queries, qrels: readBeirQrels(f('qrels.tsv')) };
}

export async function runExample(o: ExampleOptions): Promise<ExampleResult> {
  const log = o.log ?? (() => undefined);
  const { docs, queries, qrels } = loadFolder(o.dataDir);
  const compressor = o.policyDir ? await policyCompressor(o.policyDir) : meanCompressor();
  const n = docs.offsets.length - 1;
  const batch = o.batch ?? 8;
  const k = o.k ?? 100;

  const service = await IndexingService.open({ compressor });
  try {
    // ingest
    for (let first = 0; first < n; first += batch) {
      await service.ingest(slice(docs, first, Math.min(n, first + batch)));
    }
    const rows = await service.size();
    log(`ingested ${rows} documents into LanceDB at ${service.dir} (${compressor.name}, one ${docs.dim}-d vector each)`);

    // search
    const rankings = new Map<string, string[]>();
    const nq = queries.offsets.length - 1;
    for (let q = 0; q < nq; q++) {
      const tokens = queries.vectors.subarray(queries.offsets[q] * queries.dim, queries.offsets[q + 1] * queries.dim);
      const hits = await service.search(tokens, k);
      rankings.set(queries.ids![q], hits.map((h) => h.id));
    }
    const svc = await scoreRankings(rankings, qrels, { queryIds: queries.ids, docIds: docs.ids });

    // the same method through reinpool's evaluate()
    const ev = await evaluate({
      docs, queries, qrels,
      methods: [compressor.name === 'mean' ? 'mean' : reinpoolMethod((d) => compressor.compress(d), { prepareQueries: compressor.prepareQueries })],
    });
    const em = ev.methods[compressor.name];
    const evm = {} as Record<MetricName, number>;
    let maxAbsDiff = 0;
    for (const m of METRICS) {
      evm[m] = em[m];
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(em[m] - svc[m]));
    }
    return { method: compressor.name, rows, service: svc, eval: evm, maxAbsDiff };
  } finally {
    await service.close();
  }
}

/* istanbul ignore next: command-line entry */
if (require.main === module) {
  const { values } = parseArgs({
    options: { data: { type: 'string' }, policy: { type: 'string' }, batch: { type: 'string' }, k: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write('Usage: node dist/examples/indexing-service/main.js [--data DIR] [--policy DIR] [--batch N] [--k N]\n');
    process.exit(0);
  }
  const dataDir = path.resolve(values.data ?? path.join(process.env.REINPOOL_DATA_DIR ?? path.resolve(__dirname, '../../../../shared/data'), 'colbert-nanofiqa'));
  if (!fs.existsSync(path.join(dataDir, 'doc_vectors.npy'))) {
    process.stderr.write(`indexing-service: ${dataDir} has no doc_vectors.npy (give --data DIR)\n`);
    process.exit(2);
  }
  runExample({
    dataDir, policyDir: values.policy, batch: values.batch ? Number(values.batch) : undefined, k: values.k ? Number(values.k) : undefined,
    log: (m) => process.stderr.write(m + '\n'),
  }).then((r) => {
    process.stdout.write(`method ${r.method}, ${r.rows} rows in LanceDB\n`);
    process.stdout.write(`metric       LanceDB   reinpool eval\n`);
    for (const m of METRICS) process.stdout.write(`${m.padEnd(11)}  ${r.service[m].toFixed(4)}    ${r.eval[m].toFixed(4)}\n`);
    process.stdout.write(`max |difference| = ${r.maxAbsDiff.toExponential(2)}\n`);
    process.exitCode = r.maxAbsDiff <= 1e-6 ? 0 : 1;
  }, (e) => {
    process.stderr.write(`indexing-service: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
