/**
 * reinpool worker: run shard jobs (compress and MaxSim) from the queue until SIGTERM/SIGINT, which
 * let the running job finish.
 */
import { Args, CliIO, CommandSpec, progress } from './args';
import { checkQueueUrl } from './common';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'worker',
  summary: 'Take shard jobs from a BullMQ queue on Redis and run them: compress document ranges with the policy the job names, '
    + 'or MaxSim top-k over them for `reinpool eval --queue`. Jobs name files on storage every machine shares; each shard file '
    + 'is written once. Start one per machine (it uses every core); see docs/service.md.',
  synopsis: '--queue redis://HOST:PORT [options]',
  options: {
    queue: { type: 'string', value: 'URL', desc: 'the Redis of the queue, redis://[:password@]HOST:PORT[/DB]' },
    'lock-ms': { type: 'string', value: 'MS', desc: 'a job whose worker stops renewing its lock for this long goes back to the queue', default: '30000' },
    concurrency: { type: 'string', value: 'N', desc: 'jobs at once', default: '1' },
  },
  examples: ['reinpool worker --queue redis://10.0.0.5:6379'],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'worker');
    const url = args.required('queue');
    const lockMs = args.int('lock-ms', { min: 1000, default: 30_000 })!;
    const concurrency = args.int('concurrency', { min: 1, default: 1 })!;
    await checkQueueUrl(url);
    const { startWorker } = await import('../queue/worker');
    const w = startWorker({ url, lockMs, concurrency, log });
    log(`waiting for jobs on ${url}`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log(`${signal}: finishing the running job`);
        w.close().then(resolve, resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
