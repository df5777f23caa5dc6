/**
 * Benchmark helpers: command-line values, synthetic data, benchmark.js timing, machine description, table printing.
 * All data here is synthetic (seeded uniform random in [-1, 1)); nothing is read from disk.
 */
import * as os from 'os';
export { mulberry32 as rng } from '../src/random';

/** The value after `--NAME` on the command line, if given. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface Result {
  kernel: string;
  backend: string;
  shape: string;
  medianMs: number;
  /** fastest sample (benchmark.js sample = mean of one cycle): least disturbed by other processes */
  minMs: number;
  gflops: number | null;
  gbps: number | null;
  speedupVsTs: number | null;
  /** process CPU time (all threads) per call over the timed run: shows contention on shared machines */
  cpuMs: number;
  samples: number;
  /** which measured machine limit bounds this kernel: the FMA peak or the read bandwidth (cpu rows) */
  limit?: 'fma' | 'read' | null;
  /** gflops / the FMA peak measured in the same run (cpu rows with flops) */
  fmaShare?: number | null;
  /** gbps / the read bandwidth measured in the same run (cpu rows with bytes) */
  readShare?: number | null;
}

export function floats(rand: () => number, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rand() * 2 - 1;
  return x;
}

export function offsetsOf(count: number, length: number): Int32Array {
  const o = new Int32Array(count + 1);
  for (let i = 0; i <= count; i++) o[i] = i * length;
  return o;
}

/** The part of benchmark.js's Benchmark that time() uses. */
type BenchmarkCtor = new (name: string, fn: () => void, opts: { maxTime: number; minSamples: number; initCount: number }) =>
  { run(): void; error?: Error; stats: { sample: number[] } };

export interface TimeOptions {
  maxTime: number;
  minSamples: number;
}

/**
 * Times fn with benchmark.js; returns the median wall time per call (ms), the process CPU time per
 * call over the same run (ms, all threads: on an idle machine about median x threads used), and
 * the number of samples.
 */
export function time(name: string, fn: () => void, opts: TimeOptions): { medianMs: number; minMs: number; cpuMs: number; samples: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- benchmark.js ships no types; the shape used is BenchmarkCtor
  const Benchmark = require('benchmark') as BenchmarkCtor;
  fn(); // warm-up (JIT, page faults, thread pool start)
  let calls = 0;
  const counted = () => { calls++; fn(); };
  const bench = new Benchmark(name, counted, { maxTime: opts.maxTime, minSamples: opts.minSamples, initCount: 1 });
  const c0 = process.cpuUsage();
  bench.run();
  const c = process.cpuUsage(c0);
  if (bench.error) throw bench.error;
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  const mid = sample.length >> 1;
  const median = sample.length % 2 ? sample[mid] : (sample[mid - 1] + sample[mid]) / 2;
  return { medianMs: median * 1000, minMs: sample[0] * 1000, cpuMs: (c.user + c.system) / 1000 / Math.max(calls, 1), samples: sample.length };
}

export function machine(extra: Record<string, unknown>): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    ...extra,
  };
}

function fmt(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return '-';
  if (x >= 1000) return x.toFixed(0);
  return x.toFixed(digits);
}

export function table(results: Result[]): string {
  const head = ['kernel', 'backend', 'shape', 'median ms', 'min ms', 'cpu ms', 'GFLOP/s', 'GB/s', 'x ts', '% limit'];
  const share = (r: Result) => {
    const x = r.limit === 'fma' ? r.fmaShare : r.limit === 'read' ? r.readShare : null;
    return x === null || x === undefined ? '-' : `${(100 * x).toFixed(0)}% ${r.limit === 'fma' ? 'FMA' : 'BW'}`;
  };
  const rows = results.map((r) => [r.kernel, r.backend, r.shape, fmt(r.medianMs, 3), fmt(r.minMs, 3), fmt(r.cpuMs, 3), fmt(r.gflops), fmt(r.gbps), fmt(r.speedupVsTs), share(r)]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
