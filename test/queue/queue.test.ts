/**
 * The queue with real servers: a redis-server of the test's own on a loopback port, three
 * `reinpool worker` processes and the `reinpool compress --queue` coordinator as a process. Mid-run
 * one worker is killed with SIGKILL while it holds a shard and Redis is restarted once, with
 * persistence on and with a Redis that comes back empty; the merged output equals single-process
 * `reinpool compress` byte for byte, the journal shows every shard written exactly once (the killed
 * worker's shard by another worker), and a re-run resumes (skips what is written, redoes what was
 * removed). Then `reinpool eval --queue` on the same workers gives the same maxsim run and metrics as
 * `reinpool eval`. Skipped, visibly, where redis-server is not installed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeMultiVectors } from '../../src/io';
import { Child, freePort, onPath, randomDocs, RedisServer, reinpool, savePolicyDir } from '../../testing/service';
import { cli, rmrf, tmpDir } from '../cli/helpers';

const HAVE_REDIS = onPath('redis-server');
const DIM = 64;
const SHARD_DOCS = 50;
const SHARDS = 24;

interface Event { event: string; shard: number; pid: number }
const events = (file: string): Event[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event) : []);

let dir: string;
let policy: string;
let docsFile: string;
let reference: string;

function startWorkers(url: string, n: number): Child[] {
  return Array.from({ length: n }, () => reinpool(['worker', '--queue', url, '--lock-ms', '2000']));
}

async function stopAll(children: Child[]): Promise<void> {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
}

/** SIGKILLs a worker caught holding a shard it has not written (frozen with SIGSTOP first, then checked). */
async function killMidShard(workers: Child[], journal: string): Promise<{ pid: number; shard: number }> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const ev = events(journal);
    for (const w of workers) {
      const pid = w.proc.pid!;
      const mine = ev.filter((e) => e.pid === pid);
      const last = mine[mine.length - 1];
      if (!last || last.event !== 'started') continue;
      w.proc.kill('SIGSTOP');
      const after = events(journal).filter((e) => e.pid === pid);
      if (after[after.length - 1].event === 'started' && after[after.length - 1].shard === last.shard) {
        w.proc.kill('SIGKILL');
        return { pid, shard: last.shard };
      }
      w.proc.kill('SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no worker was caught mid-shard within 60 s');
}

/** The child's exit code, with its stderr in the failure message when it is not 0. */
async function exitCode(c: Child): Promise<number> {
  const code = await c.exited;
  if (code !== 0) console.error(`reinpool exited ${code}:\n${c.err()}`);
  return code;
}

const coordinator = (url: string, out: string, extra: string[] = []) =>
  reinpool(['compress', '--queue', url, '--policy', policy, '--docs', docsFile, '--out', out, '--shard-docs', String(SHARD_DOCS), ...extra]);

if (!HAVE_REDIS && process.env.REINPOOL_REQUIRE_REDIS === '1') {
  // .ci/run sets this after installing redis-server: there a missing server is a failure, not a skip
  test('queue tests: redis-server is required (REINPOOL_REQUIRE_REDIS=1) but not on PATH', () => {
    throw new Error('redis-server not found on PATH; install it (apt-get install redis-server) or unset REINPOOL_REQUIRE_REDIS');
  });
} else if (!HAVE_REDIS) {
  test.skip('queue tests: redis-server is not installed (apt-get install redis-server); skipped, not passed', () => undefined);
}
const d = HAVE_REDIS ? describe : describe.skip;

d('compress and eval on BullMQ + Redis', () => {
  beforeAll(async () => {
    dir = tmpDir('queue');
    policy = path.join(dir, 'policy');
    savePolicyDir(policy, DIM, 32);
    docsFile = path.join(dir, 'docs.safetensors');
    writeMultiVectors(docsFile, randomDocs(SHARDS * SHARD_DOCS, DIM, 60, 200, 5));
    reference = path.join(dir, 'single.safetensors');
    expect((await cli('compress', '--policy', policy, '--docs', docsFile, '--out', reference, '-q')).code).toBe(0);
  });
  afterAll(() => rmrf(dir));

  for (const persist of [true, false]) {
    test(`3 workers, one SIGKILLed mid-shard, Redis restarted ${persist ? 'with its keys (append-only file)' : 'empty (no persistence)'}: `
      + 'the output equals single-process compress byte for byte, every shard written once', async () => {
      const redis = new RedisServer(await freePort(), path.join(dir, `redis-${persist}`), persist);
      await redis.start();
      const workers = startWorkers(redis.url, 3);
      const out = path.join(dir, `queued-${persist}.safetensors`);
      const journal = `${out}.shards/journal.jsonl`;
      let coord: Child | undefined;
      try {
        coord = coordinator(redis.url, out, ['--keep-shards']);
        const killed = await killMidShard(workers, journal);
        await redis.restart();
        // the restart fell mid-run: shards were still to be written once Redis was back
        expect(events(journal).filter((e) => e.event === 'written').length).toBeLessThan(SHARDS);
        expect(await exitCode(coord)).toBe(0);
        expect(coord.out()).toMatch(new RegExp(`${SHARDS} shards`));
        expect(coord.err()).toMatch(new RegExp(`\\[#{30}\\] ${SHARDS}/${SHARDS} shards`));
        expect(fs.readFileSync(out).equals(fs.readFileSync(reference))).toBe(true);

        const ev = events(journal);
        for (let s = 0; s < SHARDS; s++) expect([s, ev.filter((e) => e.shard === s && e.event === 'written').length]).toEqual([s, 1]);
        const w = ev.find((e) => e.shard === killed.shard && e.event === 'written')!;
        expect(w.pid).not.toBe(killed.pid);
        const manifest = JSON.parse(fs.readFileSync(`${out}.shards/manifest.json`, 'utf8')) as { shards: Array<{ sha256: string; file: string }> };
        expect(manifest.shards.length).toBe(SHARDS);
        for (const s of manifest.shards) expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);

        // resume: nothing to do; then two shards removed are redone (and only those)
        const again = coordinator(redis.url, out, ['--keep-shards']);
        expect(await exitCode(again)).toBe(0);
        expect(again.out()).toMatch(new RegExp(`\\(${SHARDS} already written\\)`));
        expect(events(journal).length).toBe(ev.length);
        fs.rmSync(path.join(`${out}.shards`, manifest.shards[3].file));
        fs.rmSync(path.join(`${out}.shards`, manifest.shards[17].file));
        const redo = coordinator(redis.url, out, ['--keep-shards']);
        expect(await exitCode(redo)).toBe(0);
        expect(redo.out()).toMatch(new RegExp(`\\(${SHARDS - 2} already written\\)`));
        const newer = events(journal).slice(ev.length).filter((e) => e.event === 'written').map((e) => e.shard).sort((a, b) => a - b);
        expect(newer).toEqual([3, 17]);
        expect(fs.readFileSync(out).equals(fs.readFileSync(reference))).toBe(true);
        const last = coordinator(redis.url, out);
        expect(await exitCode(last)).toBe(0);
        expect(fs.readFileSync(out).equals(fs.readFileSync(reference))).toBe(true);
        expect(fs.existsSync(`${out}.shards`)).toBe(false); // merged without --keep-shards: the shards are removed

        if (persist) {
          // MaxSim sharded over the same (two surviving) workers: the same run file and metrics as reinpool eval
          const queries = path.join(dir, 'queries.safetensors');
          const qs = randomDocs(30, DIM, 4, 16, 11);
          qs.ids = qs.ids!.map((_, i) => `q${i}`);
          writeMultiVectors(queries, qs);
          const qrels = path.join(dir, 'qrels.tsv');
          fs.writeFileSync(qrels, 'query-id\tcorpus-id\tscore\n' + qs.ids.map((q, i) => `${q}\tdoc${(i * 37) % (SHARDS * SHARD_DOCS)}\t1`).join('\n') + '\n');
          const common = ['--docs', docsFile, '--queries', queries, '--qrels', qrels, '--methods', 'maxsim,mean', '-q'];
          const local = await cli('eval', ...common, '--runs', path.join(dir, 'runs-local'), '--json', path.join(dir, 'local.json'));
          expect(local.code).toBe(0);
          const sharded = reinpool(['eval', ...common, '--runs', path.join(dir, 'runs-queue'), '--json', path.join(dir, 'queue.json'),
            '--queue', redis.url, '--shard-dir', path.join(dir, 'maxsim-shards'), '--shard-docs', '100']);
          expect(await exitCode(sharded)).toBe(0);
          expect(fs.readFileSync(path.join(dir, 'runs-queue', 'maxsim.run')).equals(fs.readFileSync(path.join(dir, 'runs-local', 'maxsim.run')))).toBe(true);
          const [a, b] = ['local.json', 'queue.json'].map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { methods: unknown });
          expect(b.methods).toEqual(a.methods);
          const maxsimShards = events(path.join(dir, 'maxsim-shards', 'journal.jsonl')).filter((e) => e.event === 'written');
          expect(maxsimShards.length).toBe((SHARDS * SHARD_DOCS) / 100);
        }
      } finally {
        if (coord && coord.proc.exitCode === null) coord.proc.kill('SIGKILL');
        await stopAll(workers);
        await redis.stop();
      }
    }, 300_000);
  }

  test('bad --queue arguments are usage errors naming the option', async () => {
    const r = await cli('compress', '--queue', 'http://x:1', '--policy', policy, '--docs', docsFile, '--out', path.join(dir, 'x.safetensors'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--queue: 'http:\/\/x:1': use a redis:\/\/HOST:PORT URL/);
    const e = await cli('eval', '--docs', docsFile, '--queries', docsFile, '--qrels', docsFile, '--queue', 'redis://127.0.0.1:1');
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/--shard-dir: required/);
  });
});
