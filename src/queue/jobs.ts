/**
 * What one shard job is and how a worker does it. A job names everything on shared storage: the
 * documents (a 2-D .npy/.safetensors read by io's positional reader, so a worker reads only its
 * range), the policy or the queries, and the output file. The output is created with writeFileOnce:
 * of workers that end up on the same shard (a stalled job taken up again while its first worker
 * still runs, a job re-enqueued after Redis lost it) exactly one writes it. Every step is appended
 * to the run's journal (one JSON line each) so that who wrote what can be checked afterwards.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { encodeMultiVectors, encodeSafetensors, loadMultiVectors, openMultiVectorStream, writeFileOnce } from '../io';
import type { StreamSpec } from '../io';
import { getKernels } from '../kernels';
import { openPolicy, outputMetadata } from '../policy/open';
import type { CallOptions, OpenPolicy } from '../policy/open';

/** The documents of a run, as the workers open them. */
export interface DocsSpec {
  file: string;
  offsets?: string;
  ids?: string;
}

interface ShardBase {
  docs: DocsSpec;
  /** documents [first, last) of the corpus */
  first: number;
  last: number;
  shard: number;
  out: string;
  journal: string;
}

export interface CompressJob extends ShardBase {
  policy: string;
  options: CallOptions;
}

export interface MaxSimJob extends ShardBase {
  /** the queries, written by the coordinator beside the shards */
  queries: string;
  k: number;
}

export type JobData = ({ kind: 'compress' } & CompressJob) | ({ kind: 'maxsim' } & MaxSimJob);

export interface JobResult {
  /** false when the output existed already (another worker wrote it) */
  written: boolean;
  sha256?: string;
}

export function streamSpec(d: DocsSpec): StreamSpec {
  return { file: d.file, ...(d.offsets ? { offsets: d.offsets } : {}), ...(d.ids ? { ids: d.ids } : {}) };
}

export const sha256File = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Appends one event to the journal (small O_APPEND writes do not interleave). */
export function journal(file: string, event: Record<string, unknown>): void {
  fs.appendFileSync(file, JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...event }) + '\n');
}

function readRange(d: DocsSpec, first: number, last: number) {
  const stream = openMultiVectorStream(streamSpec(d));
  try {
    if (last > stream.count) throw new Error(`${d.file}: the job asks for documents [${first}, ${last}) but the file holds ${stream.count}`);
    return stream.readDocs(first, last).set;
  } finally {
    stream.close();
  }
}

/** Runs a job; policies are opened once per worker (cache keyed by directory). */
export async function runJob(job: JobData, policies: Map<string, Promise<OpenPolicy>>): Promise<JobResult> {
  if (fs.existsSync(job.out)) {
    journal(job.journal, { event: 'skipped', shard: job.shard, reason: 'output exists' });
    return { written: false };
  }
  journal(job.journal, { event: 'started', shard: job.shard });
  let parts: Uint8Array[];
  if (job.kind === 'compress') {
    let p = policies.get(job.policy);
    if (!p) policies.set(job.policy, (p = openPolicy(job.policy)));
    const policy = await p;
    const set = readRange(job.docs, job.first, job.last);
    if (set.dim !== policy.dim) throw new Error(`${job.docs.file}: the policy takes ${policy.dim}-d vectors but the documents are ${set.dim}-d`);
    const n = job.last - job.first;
    const vectors = new Float32Array(n * set.dim);
    vectors.set(await policy.compress(set, job.options));
    const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i);
    parts = encodeMultiVectors(job.out, { dim: set.dim, vectors, offsets, ...(set.ids ? { ids: set.ids } : {}) }, { metadata: outputMetadata(job.policy) });
  } else {
    const queries = loadMultiVectors({ file: job.queries });
    const docs = readRange(job.docs, job.first, job.last);
    const top = await getKernels().maxSimTopKAsync({ queries, docs, k: Math.min(job.k, job.last - job.first) });
    const ids = Int32Array.from(top.ids, (i) => (i >= 0 ? i + job.first : -1));
    const scores = Float32Array.from(top.scores);
    const q = queries.offsets.length - 1;
    parts = encodeSafetensors({ ids: { data: ids, shape: [q, top.k] }, scores: { data: scores, shape: [q, top.k] } }, { format: 'reinpool.maxsim-shard/1' }, job.out);
  }
  const written = writeFileOnce(job.out, (append) => parts.forEach(append));
  if (!written) {
    journal(job.journal, { event: 'lost-race', shard: job.shard });
    return { written: false };
  }
  // the checksum of the bytes just written, from memory rather than read back
  const sha256 = parts.reduce((h, part) => h.update(part), createHash('sha256')).digest('hex');
  journal(job.journal, { event: 'written', shard: job.shard, sha256 });
  return { written: true, sha256 };
}
