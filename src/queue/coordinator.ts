/**
 * The coordinator side of a sharded run: it knows the whole shard list (the manifest, on shared
 * storage beside the output) and treats the shard files as the truth, Redis as a delivery mechanism
 * only. Until every shard file exists it keeps one BullMQ job per unfinished shard in Redis: a job a
 * dead worker held comes back through BullMQ's stalled-job check; a job Redis lost (restarted without
 * persistence) is simply added again. A re-run of the same command finds the manifest and the shard
 * files, verifies their checksums and enqueues only the rest.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../io';
import { bullmq, parseRedisUrl, QUEUE_NAME } from './connection';
import type { JobData } from './jobs';
import { sha256File } from './jobs';

export const MANIFEST_FORMAT = 'reinpool-shards/1';

export interface ShardEntry {
  index: number;
  first: number;
  last: number;
  /** file name inside the shard directory */
  file: string;
  /** sha256 of the shard file, recorded when the coordinator first saw it complete */
  sha256: string | null;
}

export interface Manifest {
  format: string;
  /** what the shards are made of: a re-run with anything different must not reuse them */
  fingerprint: Record<string, unknown>;
  shards: ShardEntry[];
}

/** Document ranges of shardDocs documents (the last one shorter). */
export function shardRanges(count: number, shardDocs: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let d = 0; d < count; d += shardDocs) out.push([d, Math.min(count, d + shardDocs)]);
  return out;
}

/** A file's identity for a fingerprint: path, size and modification time. */
export function fileStamp(file: string): { file: string; size: number; mtimeMs: number } {
  const st = fs.statSync(file);
  return { file: path.resolve(file), size: st.size, mtimeMs: st.mtimeMs };
}

export interface ShardRunOptions {
  url: string;
  /** shared directory for the shards, the manifest and the journal */
  dir: string;
  fingerprint: Record<string, unknown>;
  /** the manifest's file name in dir (default manifest.json) */
  manifestName?: string;
  ranges: Array<[number, number]>;
  /** 'shard-00003.safetensors' etc. */
  fileName: (index: number) => string;
  /** the job of a shard (out and journal are filled in) */
  job: (index: number, first: number, last: number, out: string, journal: string) => JobData;
  log: (msg: string) => void;
  /** how often the shard files are looked at (default 250 ms) */
  pollMs?: number;
  /** how often every unfinished shard's job is checked in Redis (default 2 s) */
  ensureMs?: number;
}

export interface ShardRunResult {
  manifest: Manifest;
  /** shards found finished at the start (a resumed run) */
  skipped: number;
  seconds: number;
}

function loadOrCreateManifest(o: ShardRunOptions, file: string): Manifest {
  if (fs.existsSync(file)) {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    if (m.format !== MANIFEST_FORMAT) throw new Error(`${file}: unknown format '${String(m.format)}'`);
    if (JSON.stringify(m.fingerprint) !== JSON.stringify(o.fingerprint)) {
      throw new Error(`${file} was made for other inputs or options (${JSON.stringify(m.fingerprint)}); remove ${o.dir} or choose another output`);
    }
    return m;
  }
  const m: Manifest = {
    format: MANIFEST_FORMAT, fingerprint: o.fingerprint,
    shards: o.ranges.map(([first, last], index) => ({ index, first, last, file: o.fileName(index), sha256: null })),
  };
  writeJsonAtomic(file, m);
  return m;
}

const bar = (done: number, n: number): string => {
  const w = 30;
  const k = n > 0 ? Math.round((done / n) * w) : w;
  return `[${'#'.repeat(k)}${'.'.repeat(w - k)}]`;
};

/** Runs the shards to completion on the workers; resolves with the manifest, every shard file present and checked. */
export async function runShards(o: ShardRunOptions): Promise<ShardRunResult> {
  const t0 = Date.now();
  fs.mkdirSync(o.dir, { recursive: true });
  const manifestFile = path.join(o.dir, o.manifestName ?? 'manifest.json');
  const journalFile = path.join(o.dir, 'journal.jsonl');
  const m = loadOrCreateManifest(o, manifestFile);
  const runKey = createHash('sha256').update(JSON.stringify(o.fingerprint)).digest('hex').slice(0, 12);
  const jobId = (i: number) => `${runKey}-${i}`;
  const outOf = (s: ShardEntry) => path.join(o.dir, s.file);

  /** true when the shard's file exists; records (or checks) its checksum in the manifest */
  let manifestDirty = false;
  const finished = (s: ShardEntry): boolean => {
    if (!fs.existsSync(outOf(s))) return false;
    const sum = sha256File(outOf(s));
    if (s.sha256 === null) {
      s.sha256 = sum;
      manifestDirty = true;
    } else if (s.sha256 !== sum) {
      throw new Error(`${outOf(s)}: checksum ${sum} differs from the manifest's ${s.sha256} (the shard changed after it was written); remove it to recompute it`);
    }
    return true;
  };
  const pending = new Set(m.shards.filter((s) => !finished(s)).map((s) => s.index));
  const skipped = m.shards.length - pending.size;
  if (manifestDirty) { writeJsonAtomic(manifestFile, m); manifestDirty = false; }
  if (skipped > 0) o.log(`resuming: ${skipped} of ${m.shards.length} shards already written`);
  if (pending.size === 0) return { manifest: m, skipped, seconds: (Date.now() - t0) / 1000 };

  const { Queue } = bullmq();
  const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(o.url) });
  let redisDown = false;
  queue.on('error', (e) => {
    if (!redisDown) o.log(`redis: ${e.message} (retrying)`);
    redisDown = true;
  });
  const ensure = async (index: number): Promise<void> => {
    const s = m.shards[index];
    const id = jobId(index);
    const job = await queue.getJob(id);
    if (job) {
      if (await job.isFailed()) throw new Error(`shard ${index} (documents ${s.first}..${s.last}) failed on a worker: ${job.failedReason}`);
      // a job kept as completed while its file is missing (removed since) would hold the job id for ever
      if (!(await job.isCompleted()) || fs.existsSync(outOf(s))) return;
      await job.remove();
    }
    await queue.add(m.shards[index].file, o.job(index, s.first, s.last, outOf(s), journalFile), { jobId: id, removeOnComplete: true, removeOnFail: false });
  };
  try {
    // a failed job left by an earlier run of the same command is retried, not reported again
    for (const i of pending) {
      const job = await queue.getJob(jobId(i));
      if (job && await job.isFailed()) await job.remove();
    }
    const pollMs = o.pollMs ?? 250;
    const ensureMs = o.ensureMs ?? 2000;
    let lastEnsure = 0;
    let shown = -1;
    while (pending.size > 0) {
      for (const i of [...pending]) if (finished(m.shards[i])) pending.delete(i);
      if (manifestDirty) { writeJsonAtomic(manifestFile, m); manifestDirty = false; }
      const done = m.shards.length - pending.size;
      if (done !== shown) {
        const docs = m.shards.filter((s) => s.sha256 !== null).reduce((a, s) => a + s.last - s.first, 0);
        o.log(`${bar(done, m.shards.length)} ${done}/${m.shards.length} shards, ${docs} documents, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        shown = done;
      }
      if (pending.size === 0) break;
      if (Date.now() - lastEnsure >= ensureMs) {
        try {
          for (const i of pending) await ensure(i);
          if (redisDown) o.log('redis: reachable again; every unfinished shard has its job');
          redisDown = false;
          lastEnsure = Date.now();
        } catch (e) {
          if (/failed on a worker/.test((e as Error).message)) throw e;
          if (!redisDown) o.log(`redis: ${(e as Error).message} (retrying)`);
          redisDown = true;
        }
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await queue.close().catch(() => undefined);
  }
  return { manifest: m, skipped, seconds: (Date.now() - t0) / 1000 };
}
