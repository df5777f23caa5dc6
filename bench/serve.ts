/**
 * Load test of `reinpool serve` (not a test; loopback only, bounded):
 *
 *   npm run build:ts && node dist/bench/serve.js [--seconds 60] [--clients 8] [--docs 64] [--tokens 1030] [--dim 128] [--hidden 64] [--json FILE]
 *
 * SYNTHETIC ColPali-like data: batches of --docs documents of --tokens random unit vectors of --dim
 * (T = 1,030, D = 128 by default: a ColPali page), a random MLP policy of --hidden units (no trained
 * ColPali policy exists here; the compute per vector is what matters). The server runs as a child
 * `reinpool serve` process; autocannon drives --clients connections for --seconds with one 64-document
 * safetensors body each. Meanwhile a prober sends every kind of bad request (400 malformed, 400 bad
 * option, 413 too large, 415 wrong type) every 2 s and checks each answer's code and message, and
 * once, in the middle, a burst of tiny requests beyond --max-queue to get 429s. Reported: documents/s
 * and vectors/s of the service against in-process compress of the same batch (the same policy and
 * kernels, median of repeated calls, measured before and after the load), p50/p99 latency, errors by
 * status code (the load's own requests), the server's RSS every 5 s, and the CPU each answered
 * request cost the server (user and system time) and this process (the load generator), beside the
 * engine call's own CPU in-process: cpuBoundRatio is the ratio the machine's cores would allow at
 * those costs if they did nothing else. In-process compress is the
 * engine call alone on documents already in memory, so the ratio charges the service for HTTP,
 * parsing the body and encoding the answer.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeMultiVectors } from '../src/io';
import type { MultiVectorSet } from '../src/kernels/types';
import { openPolicy } from '../src/policy/open';
import { freePort, randomDocs, reinpool, savePolicyDir, waitFor } from '../testing/service';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const str = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const rss = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
/** CPU seconds a process has used, user and system (clock ticks of /proc/PID/stat, 100 per second on Linux). */
const cpuOf = (pid: number): { user: number; system: number } => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
};
/** The part of autocannon's API used here (the package ships no types). */
interface Cannon {
  on(event: 'response', fn: (client: unknown, status: number) => void): Cannon;
  once(event: 'done', fn: (r: CannonResult) => void): Cannon;
  once(event: 'error', fn: (e: Error) => void): Cannon;
}
interface CannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}
type Autocannon = (o: { url: string; method: string; connections: number; duration: number; body: Buffer; headers: Record<string, string>; timeout: number }) => Cannon;

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** In-process compress of the same batch: the documents already in memory, one engine call (no parsing, no HTTP). */
async function inProcess(policyDir: string, set: MultiVectorSet, reps: number) {
  const p = await openPolicy(policyDir);
  const docs = set.offsets.length - 1;
  const vectors = set.offsets[docs];
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    await p.compress(set);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const cpu = process.cpuUsage(cpu0);
  const s = median(times);
  return { docsPerSec: docs / s, vectorsPerSec: vectors / s, secondsPerBatch: s, cpuMsPerBatch: (cpu.user + cpu.system) / 1e3 / reps, times, engine: p.describe };
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const clients = arg('clients', 8);
  const nDocs = arg('docs', 64);
  const T = arg('tokens', 1030);
  const D = arg('dim', 128);
  const hidden = arg('hidden', 64);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-bench-serve-'));
  const policy = path.join(dir, 'policy');
  savePolicyDir(policy, D, hidden);
  const set = randomDocs(nDocs, D, T, T, 42);
  for (let i = 0; i < set.offsets[nDocs]; i++) { // unit vectors, as ColPali's are
    let n = 0;
    for (let j = 0; j < D; j++) n += set.vectors[i * D + j] ** 2;
    for (let j = 0; j < D; j++) set.vectors[i * D + j] /= Math.sqrt(n);
  }
  const body = Buffer.concat(encodeMultiVectors('b.safetensors', set));
  const load0 = os.loadavg();
  const before = await inProcess(policy, set, 7);
  console.log(`in-process: ${before.docsPerSec.toFixed(0)} docs/s, ${(before.vectorsPerSec / 1e6).toFixed(2)} M vectors/s (${before.engine})`);

  const port = await freePort();
  const maxQueue = clients + 4; // the load's own requests never see a 429; the burst below does
  const server = reinpool(['serve', '--policy', policy, '--port', String(port), '--max-queue', String(maxQueue), '--body-limit-mb', '64']);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('reinpool serve', () => /listening on/.test(server.out()), 60_000);
  const pid = server.proc.pid!;
  const rssSeries: Array<{ t: number; mb: number }> = [];
  const t0 = Date.now();
  const rssTimer = setInterval(() => rssSeries.push({ t: Math.round((Date.now() - t0) / 1000), mb: Math.round(rss(pid)) }), 5000);
  rssSeries.push({ t: 0, mb: Math.round(rss(pid)) });
  // CPU of the server and of this process (the load generator and the prober) over the load
  const serverCpu0 = cpuOf(pid);
  const clientCpu0 = process.cpuUsage();

  const bad: Array<[string, string, Buffer | string, number, RegExp]> = [
    ['', 'application/x-safetensors', Buffer.from('not a tensor file at all'), 400, /body\.safetensors: not a/],
    ['', 'application/x-safetensors', body.subarray(0, body.length - 4096), 400, /run past the data region/],
    ['?keep-top-k=0', 'application/x-safetensors', body, 400, /keep-top-k must be/],
    ['', 'application/x-safetensors', Buffer.alloc(65 * 1024 * 1024), 413, /too large/],
    ['', 'text/csv', '1,2,3', 415, /content type|Unsupported Media Type/],
  ];
  const probes: Record<string, { sent: number; asExpected: number; examples: string[] }> = {};
  const probe = async (q: string, type: string, b: Buffer | string, code: number, msg: RegExp) => {
    const key = String(code);
    const p = (probes[key] ??= { sent: 0, asExpected: 0, examples: [] });
    p.sent++;
    let r: Response;
    try {
      r = await fetch(`${base}/v1/compress${q}`, { method: 'POST', headers: { 'content-type': type }, body: b });
    } catch (e) {
      // e.g. the server answered 413 and closed while this client was still sending: recorded, not hidden
      const why = `client error: ${(e as Error).message}${(e as Error).cause ? ` (${String((e as Error).cause)})` : ''}`;
      if (p.examples.length < 3 && !p.examples.includes(why)) p.examples.push(why);
      return;
    }
    const j = await r.json() as { message: string };
    if (r.status === code && msg.test(j.message)) {
      p.asExpected++;
      if (p.examples.length < 2 && !p.examples.includes(j.message)) p.examples.push(j.message.slice(0, 160));
    } else {
      const why = `unexpected: ${r.status} ${j.message.slice(0, 120)}`;
      if (!p.examples.includes(why)) p.examples.push(why);
    }
  };
  let probing = true;
  const prober = (async () => {
    while (probing) {
      for (const c of bad) await probe(...c).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  // the 429 burst, once, mid-load: 10 x --max-queue tiny JSON requests at once
  const tiny = JSON.stringify({ documents: [[Array.from({ length: D }, () => 0.1)]] });
  const burst = (async (): Promise<{ sent: number; got429: number; retryAfter: string | null; message?: string }> => {
    await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
    const rs = await Promise.all(Array.from({ length: 10 * maxQueue }, () => fetch(`${base}/v1/compress`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tiny })));
    const r429 = rs.filter((r) => r.status === 429);
    const message = r429.length > 0 ? ((await r429[0].json()) as { message: string }).message : undefined;
    await Promise.all(rs.filter((r) => !r.bodyUsed).map((r) => r.arrayBuffer()));
    return { sent: rs.length, got429: r429.length, retryAfter: r429[0]?.headers.get('retry-after') ?? null, message };
  })();

  const codes: Record<string, number> = {};
  const inst = autocannon({
    url: `${base}/v1/compress`, method: 'POST', connections: clients, duration: seconds, body,
    headers: { 'content-type': 'application/x-safetensors' }, timeout: 120,
  });
  inst.on('response', (_c: unknown, status: number) => { codes[status] = (codes[status] ?? 0) + 1; });
  const res = await new Promise<CannonResult>((resolve, reject) => inst.once('done', resolve).once('error', reject));
  const serverCpu1 = cpuOf(pid);
  const clientCpu = process.cpuUsage(clientCpu0);
  probing = false;
  await prober;
  const burstResult = await burst;
  clearInterval(rssTimer);
  rssSeries.push({ t: Math.round((Date.now() - t0) / 1000), mb: Math.round(rss(pid)) });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  server.proc.kill('SIGTERM');
  const exit = await server.exited;
  const after = await inProcess(policy, set, 7);
  const ok = codes['200'] ?? 0;
  const svcDocs = (ok * nDocs) / seconds;
  // the median batch time of all the calls, before and after the load
  const inProc = nDocs / median([...before.times, ...after.times]);
  // CPU per answered request: what bounds throughput when every process shares the machine's cores
  const perRequestMs = (sec: number) => (1000 * sec) / Math.max(1, ok);
  const serverUser = perRequestMs(serverCpu1.user - serverCpu0.user);
  const serverSystem = perRequestMs(serverCpu1.system - serverCpu0.system);
  const client = perRequestMs((clientCpu.user + clientCpu.system) / 1e6);
  const engineMs = median([before.cpuMsPerBatch, after.cpuMsPerBatch]);
  const cpuMsPerRequest = { serverUser, serverSystem, client, inProcessEngine: engineMs, total: serverUser + serverSystem + client };
  const result = {
    data: `SYNTHETIC ColPali-like: ${nDocs} documents x ${T} unit vectors x ${D} per request (random, not ColPali output); random MLP policy hidden ${hidden}`,
    load: { clients, seconds, requestsOk: ok, statusCodes: codes, errors: res.errors, timeouts: res.timeouts, non2xx: res.non2xx },
    service: { docsPerSec: svcDocs, vectorsPerSec: svcDocs * T },
    inProcess: { before, after, docsPerSecMedian: inProc },
    ratio: svcDocs / inProc,
    cpuMsPerRequest,
    // all cores busy with these costs per request: the most requests/s this machine can answer
    cpuBoundRatio: (os.cpus().length * 1000 / cpuMsPerRequest.total) * nDocs / inProc,
    latencyMs: { p50: res.latency.p50, p90: res.latency.p90, p99: res.latency.p99, max: res.latency.max },
    badRequests: probes,
    burst429: burstResult,
    rssMb: rssSeries,
    engineBatches: Number(/^reinpool_engine_batches_total (\d+)/m.exec(metrics)?.[1] ?? NaN),
    serverExit: exit,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgBefore: load0, loadavgAfter: os.loadavg() },
  };
  console.log(JSON.stringify(result, null, 2));
  const out = str('json');
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
