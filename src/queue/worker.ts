/**
 * A queue worker: takes shard jobs from BullMQ one at a time and runs them (jobs.ts). Its lock on the
 * job is renewed while it works; when the process dies the lock expires and another worker's stalled
 * check puts the job back in the queue.
 */
import type { OpenPolicy } from '../policy/open';
import { bullmq, parseRedisUrl, QUEUE_NAME } from './connection';
import type { JobData, JobResult } from './jobs';
import { runJob } from './jobs';

export interface WorkerOptions {
  url: string;
  /** ms a job stays locked without renewal before it counts as stalled (default 30,000); stalled checks run as often */
  lockMs?: number;
  /** jobs run at once (default 1: the native kernels use every core for one job) */
  concurrency?: number;
  log: (msg: string) => void;
}

export interface QueueWorker {
  /** stops taking jobs and waits for the running ones */
  close(): Promise<void>;
}

export function startWorker(o: WorkerOptions): QueueWorker {
  const { Worker } = bullmq();
  const policies = new Map<string, Promise<OpenPolicy>>();
  const lockDuration = o.lockMs ?? 30_000;
  const worker = new Worker<JobData, JobResult>(QUEUE_NAME, async (job) => runJob(job.data, policies), {
    connection: parseRedisUrl(o.url),
    concurrency: o.concurrency ?? 1,
    lockDuration,
    stalledInterval: lockDuration,
    // a shard is idempotent (written once), so taking it up again after a crash is always safe
    maxStalledCount: 10,
  });
  worker.on('completed', (job, r) => o.log(`${job.name}: ${r.written ? `written (sha256 ${r.sha256!.slice(0, 12)})` : 'already written by another worker'}`));
  worker.on('failed', (job, e) => o.log(`${job?.name ?? 'job'}: failed: ${e.message}`));
  worker.on('stalled', (id) => o.log(`job ${id} stalled (its worker stopped renewing the lock): back in the queue`));
  worker.on('error', (e) => o.log(`redis: ${e.message}`));
  return { close: () => worker.close() };
}
