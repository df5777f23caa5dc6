/**
 * Queue throughput with 1, 2 and 3 workers on this machine (not a test):
 *
 *   npm run build:ts && node dist/bench/queue.js [--docs 6000] [--tokens 100] [--dim 128] [--shard-docs 250] [--workers 1,2,3] [--json FILE]
 *
 * SYNTHETIC documents (--docs of --tokens random vectors of --dim) and a random MLP policy; a
 * redis-server of its own on a loopback port, N `reinpool worker` processes, the `reinpool compress
 * --queue` coordinator; the time from the coordinator's start to its merged output, against
 * single-process `reinpool compress` of the same file. Every worker uses every core (the native
 * kernels' threads), so on one machine more workers share the same cores: the numbers say what
 * the queue costs and how the work spreads, not what N machines would give (docs/service.md).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeMultiVectors } from '../src/io';
import { freePort, randomDocs, RedisServer, reinpool, savePolicyDir } from '../testing/service';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};

async function timed(args: string[]): Promise<number> {
  const t0 = Date.now();
  const c = reinpool(args);
  const code = await c.exited;
  if (code !== 0) throw new Error(`reinpool ${args[0]} exited ${code}: ${c.err()}`);
  return (Date.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const nDocs = Number(arg('docs', '6000'));
  const T = Number(arg('tokens', '100'));
  const D = Number(arg('dim', '128'));
  const shardDocs = arg('shard-docs', '250');
  const counts = arg('workers', '1,2,3').split(',').map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-bench-queue-'));
  const policy = path.join(dir, 'policy');
  savePolicyDir(policy, D, 64);
  const docs = path.join(dir, 'docs.safetensors');
  writeMultiVectors(docs, randomDocs(nDocs, D, T, T, 3));
  const load0 = os.loadavg();
  const single = await timed(['compress', '--policy', policy, '--docs', docs, '--out', path.join(dir, 'single.safetensors'), '-q']);
  const redis = new RedisServer(await freePort(), path.join(dir, 'redis'), false);
  await redis.start();
  const rows: Array<{ workers: number; seconds: number; docsPerSec: number; vectorsPerSec: number; identical: boolean }> = [];
  try {
    for (const n of counts) {
      const workers = Array.from({ length: n }, () => reinpool(['worker', '--queue', redis.url]));
      await new Promise((r) => setTimeout(r, 3000)); // let them connect (their start-up is not the queue's cost)
      const out = path.join(dir, `queued-${n}.safetensors`);
      const s = await timed(['compress', '--queue', redis.url, '--policy', policy, '--docs', docs, '--out', out, '--shard-docs', shardDocs, '-q']);
      rows.push({ workers: n, seconds: s, docsPerSec: nDocs / s, vectorsPerSec: (nDocs * T) / s, identical: fs.readFileSync(out).equals(fs.readFileSync(path.join(dir, 'single.safetensors'))) });
      for (const w of workers) w.proc.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    }
  } finally {
    await redis.stop();
  }
  const result = {
    data: `SYNTHETIC: ${nDocs} documents x ${T} vectors x ${D}, shards of ${shardDocs} documents, random MLP policy hidden 64`,
    singleProcess: { seconds: single, docsPerSec: nDocs / single },
    queue: rows,
    note: 'seconds include process start-up (node, the addon, opening the policy) for single-process compress and the coordinator',
    machine: { cpus: os.cpus().length, loadavgBefore: load0, loadavgAfter: os.loadavg() },
  };
  console.log(JSON.stringify(result, null, 2));
  const out = process.argv.includes('--json') ? arg('json', '') : '';
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
