/**
 * MaxSim top-k over a corpus split into shards on the queue (`reinpool eval --queue`): each worker
 * ranks every query against its document range with the maxSimTopK kernel; the coordinator merges the
 * per-shard top-k lists exactly as the kernel ranks one corpus (score descending, then the lower
 * document index), so the result is the kernel's over the whole corpus: the per-pair scores do not
 * depend on which other documents share the call, and the global top k of a query is among the union
 * of every shard's top k.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { openMultiVectorStream, readSafetensors, writeMultiVectors } from '../io';
import type { MultiVectorSet, TopK } from '../kernels/types';
import { fileStamp, runShards, shardRanges } from './coordinator';
import type { DocsSpec } from './jobs';
import { streamSpec } from './jobs';

export interface QueueMaxSimOptions {
  url: string;
  /** the corpus as the workers read it (must be the documents searched) */
  docs: DocsSpec;
  /** shared directory for the queries, the shards and the manifest */
  dir: string;
  shardDocs: number;
  log: (msg: string) => void;
}

/** Per-shard top-k lists (ids already global) merged into one TopK of k = min(k, n). */
export function mergeTopK(parts: TopK[], queries: number, k: number): TopK {
  const ids = new Int32Array(queries * k).fill(-1);
  const scores = new Float32Array(queries * k).fill(-Infinity);
  for (let q = 0; q < queries; q++) {
    const pool: Array<{ id: number; score: number }> = [];
    for (const p of parts) {
      for (let i = 0; i < p.k; i++) {
        const id = p.ids[q * p.k + i];
        if (id >= 0) pool.push({ id, score: p.scores[q * p.k + i] });
      }
    }
    pool.sort((a, b) => (a.score !== b.score ? (a.score > b.score ? -1 : 1) : a.id - b.id));
    pool.slice(0, k).forEach((c, r) => { ids[q * k + r] = c.id; scores[q * k + r] = c.score; });
  }
  return { k, ids, scores };
}

/** A MaxSimSearch (eval's maxsimMethod) that runs on the queue's workers. */
export function queueMaxSim(o: QueueMaxSimOptions) {
  return async (queries: MultiVectorSet, docs: MultiVectorSet, k: number): Promise<TopK> => {
    const stream = openMultiVectorStream(streamSpec(o.docs));
    const count = stream.count;
    stream.close();
    if (count !== docs.offsets.length - 1) throw new Error(`${o.docs.file}: holds ${count} documents but ${docs.offsets.length - 1} are evaluated`);
    // the queries of this search, named by their content so that a re-run finds its own shards
    const qhash = createHash('sha256').update(Buffer.from(queries.vectors.buffer, queries.vectors.byteOffset, queries.vectors.byteLength))
      .update(Buffer.from(queries.offsets.buffer, queries.offsets.byteOffset, queries.offsets.byteLength)).digest('hex').slice(0, 16);
    const queriesFile = path.join(o.dir, `queries-${qhash}.safetensors`);
    fs.mkdirSync(o.dir, { recursive: true });
    writeMultiVectors(queriesFile, { dim: queries.dim, vectors: queries.vectors, offsets: queries.offsets });
    const kk = Math.min(k, count);
    const nq = queries.offsets.length - 1;
    const run = await runShards({
      url: o.url, dir: o.dir, log: o.log, manifestName: `maxsim-${qhash}.manifest.json`,
      fingerprint: { kind: 'maxsim', docs: fileStamp(o.docs.file), offsets: o.docs.offsets ? fileStamp(o.docs.offsets) : null, queries: qhash, k: kk, count, shardDocs: o.shardDocs },
      ranges: shardRanges(count, o.shardDocs),
      fileName: (i) => `maxsim-${qhash}-${String(i).padStart(5, '0')}.safetensors`,
      job: (shard, first, last, out, journal) => ({ kind: 'maxsim', docs: o.docs, first, last, shard, out, journal, queries: queriesFile, k: kk }),
    });
    const parts = run.manifest.shards.map((s): TopK => {
      const file = path.join(o.dir, s.file);
      const t = readSafetensors(file).tensors;
      const ids = t.get('ids');
      const scores = t.get('scores');
      if (!ids || !scores || !(ids.data instanceof Int32Array) || !(scores.data instanceof Float32Array) || ids.shape.join() !== scores.shape.join() || ids.shape[0] !== nq) {
        throw new Error(`${file}: not a MaxSim shard of ${nq} queries (int32 'ids' and float 'scores', [queries, k] each)`);
      }
      return { k: ids.shape[1], ids: ids.data, scores: scores.data };
    });
    return mergeTopK(parts, nq, kk);
  };
}
