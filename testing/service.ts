/**
 * Shared by the service tests (test/serve, test/queue) and benchmarks (bench/serve.ts, bench/queue.ts):
 * a saved MLP policy with random weights (tiny or ColPali-sized), seeded ragged documents written as a
 * `reinpool compress` input, free loopback ports, a real redis-server started on one (and stopped), and
 * child `reinpool` processes. It lives in testing/ (bench/ never imports test/).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { writeJsonAtomic, writeMultiVectors, writeSafetensors } from '../src/io';
import type { MultiVectorSet } from '../src/kernels/types';
import { resolvePolicyConfig } from '../src/policy/config';
import { POLICY_FORMAT } from '../src/policy/weights';
import { mulberry32 } from '../src/random';

export const REPO = path.resolve(__dirname, '..', ...(path.basename(path.dirname(__dirname)) === 'dist' ? ['..'] : []));
export const BIN = path.join(REPO, 'bin', 'reinpool.js');

/**
 * Saves a 2-layer MLP policy with seeded random weights (scaled normal layers, a N(0, 1) head so
 * documents keep different vectors) in savePolicy's format, without TensorFlow.js, so that the
 * benchmarks run from dist/ with the service's packages only.
 */
export function savePolicyDir(dir: string, dim: number, hidden = 16, seed = 7): void {
  const r = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const tensor = (shape: number[], scale: number) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal() * scale) });
  const config = resolvePolicyConfig({ type: 'mlp', dim, hidden, layers: 2, headInitStd: 1, seed });
  const w: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (let l = 0; l < 2; l++) {
    const inW = l === 0 ? 3 * dim + 3 : hidden;
    w[`mlp${l}.w`] = tensor([inW, hidden], 1 / Math.sqrt(inW));
    w[`mlp${l}.b`] = tensor([hidden], 0.1);
  }
  w['head.w'] = tensor([hidden, 1], 1);
  w['head.b'] = { shape: [1], data: new Float32Array(1) };
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, 'weights.safetensors'), w, { format: POLICY_FORMAT });
  writeJsonAtomic(path.join(dir, 'policy.json'), { format: POLICY_FORMAT, config });
}

/** count documents of minLen..maxLen random vectors (uniform in [-1, 1]), ids doc0.., seeded. */
export function randomDocs(count: number, dim: number, minLen: number, maxLen: number, seed = 1): MultiVectorSet {
  const r = mulberry32(seed);
  const offsets = new Int32Array(count + 1);
  for (let d = 0; d < count; d++) offsets[d + 1] = offsets[d] + minLen + Math.floor(r() * (maxLen - minLen + 1));
  const vectors = new Float32Array(offsets[count] * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = 2 * r() - 1;
  return { dim, vectors, offsets, ids: Array.from({ length: count }, (_, d) => `doc${d}`) };
}

export function writeDocs(file: string, set: MultiVectorSet): string {
  writeMultiVectors(file, set);
  return file;
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether `cmd` is on PATH. */
export function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

const waitFor = async (what: string, ok: () => Promise<boolean> | boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
export { waitFor };

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** A redis-server of its own on a loopback port; restart() stops it (SIGTERM) and starts it again on the same port. */
export class RedisServer {
  private proc: ChildProcess | null = null;

  /** persist: append-only file in dir (keys survive a restart); else nothing is saved (a restart loses every key). */
  constructor(readonly port: number, readonly dir: string, readonly persist: boolean) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '',
      '--appendonly', this.persist ? 'yes' : 'no', '--appendfsync', 'always', '--daemonize', 'no', '--logfile', path.join(this.dir, 'redis.log')];
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(`redis-server on port ${this.port}`, () => canConnect(this.port), 10_000);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    this.proc = null;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGTERM'); });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** A child `reinpool` process with its stdout/stderr collected. */
export interface Child {
  proc: ChildProcess;
  out(): string;
  err(): string;
  /** resolves with the exit code (a signal gives 128 + its number-like code: -1 here) */
  exited: Promise<number>;
}

export function reinpool(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  proc.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number>((resolve) => proc.once('exit', (code) => resolve(code ?? -1)));
  return { proc, out: () => out, err: () => err, exited };
}
