/**
 * Kernel benchmark: every kernel on every available backend (ts, cpu, cuda), timed with
 * benchmark.js on synthetic random data. Not a test.
 *
 *   npm run build:ts && npm run bench -- --quick --json bench.json     (about a minute)
 *   npm run bench -- --json bench-full.json                            (full mode: larger shapes)
 *   options: --backends ts,cpu,cuda   --kernels scoreTopK,maxSimTopK   --threads N
 *
 * Shapes: ColPali-like documents (T = 1030 patches, D = 128) and GloVe-like ones (T = 200 tokens,
 * D = 100). The ts backend runs only on the shapes marked `ts` (small enough for plain JS); the
 * speed-up is always computed on the same shape.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { NativeAddon, NativeProbe } from '../src/kernels/load';
import { loadNativeAddon, loadNativeBackend } from '../src/kernels/native';
import { tsKernels } from '../src/kernels/ts';
import type { Kernels, Qrels } from '../src/kernels/types';
import { arg, floats, machine, offsetsOf, Result, rng, table, time } from './lib';

interface Prepared {
  run: (K: Kernels) => unknown;
  flops: number | null;
  bytes: number | null;
}

interface Case {
  kernel: string;
  shape: string;
  ts: boolean;
  full?: boolean; // full mode only
  gpuOnly?: boolean; // too big for the CPU backends (the H100 reference shapes of docs/cuda.md)
  prepare: () => Prepared;
}

const rand = rng(12345);

function poolCase(label: string, B: number, T: number, D: number, G: number, ts: boolean, full = false, keep = 0.5): Case {
  const mb = Math.round((B * T * D * 4) / 1e6);
  return {
    kernel: 'poolMasked', shape: `${label} B=${B} T=${T} D=${D} G=${G} mean+L2, keep ${Math.round(keep * 100)}%${mb >= 256 ? ` (${mb} MB corpus)` : ''}`, ts, full,
    prepare: () => {
      const docs = { dim: D, vectors: floats(rand, B * T * D), offsets: offsetsOf(B, T) };
      const masks = new Uint8Array(B * T * G);
      let kept = 0;
      for (let i = 0; i < masks.length; i++) { masks[i] = keep >= 1 || rand() < keep ? 1 : 0; kept += masks[i]; }
      const args = { docs, masks, groups: G };
      // bytes actually needed: the kept rows (once per mask) and the masks
      return { run: (K) => K.poolMasked(args), flops: kept * D, bytes: kept * D * 4 + masks.length };
    },
  };
}

function scoreCase(label: string, m: number, n: number, D: number, k: number, ts: boolean, full = false): Case {
  return {
    kernel: 'scoreTopK', shape: `${label} m=${m} n=${n} D=${D} k=${k}`, ts, full,
    prepare: () => {
      const args = { queries: { rows: m, dim: D, data: floats(rand, m * D) }, keys: { rows: n, dim: D, data: floats(rand, n * D) }, k };
      return { run: (K) => K.scoreTopK(args), flops: 2 * m * n * D, bytes: (m + n) * D * 4 };
    },
  };
}

function maxSimCase(label: string, nq: number, lq: number, nd: number, td: number, D: number, ts: boolean, full = false): Case {
  return {
    kernel: 'maxSimTopK', shape: `${label} ${nq}q x ${lq}tok vs ${nd}d x ${td}tok D=${D} k=10`, ts, full,
    prepare: () => {
      const args = {
        queries: { dim: D, vectors: floats(rand, nq * lq * D), offsets: offsetsOf(nq, lq) },
        docs: { dim: D, vectors: floats(rand, nd * td * D), offsets: offsetsOf(nd, td) },
        k: 10,
      };
      return { run: (K) => K.maxSimTopK(args), flops: 2 * nq * lq * nd * td * D, bytes: (nq * lq + nd * td) * D * 4 };
    },
  };
}

function metricCase(kernel: 'ndcgAtK' | 'recallAtK', queries: number, width: number, judged: number, ts: boolean): Case {
  return {
    kernel, shape: `${queries} queries, width ${width}, ${judged} judged each, k=10`, ts,
    prepare: () => {
      // distinct ids per row (a ranking lists a document once): a random start and a stride coprime to 1000
      const ranked = new Int32Array(queries * width);
      for (let q = 0; q < queries; q++) {
        const start = Math.floor(rand() * 1000);
        for (let i = 0; i < width; i++) ranked[q * width + i] = (start + 7 * i) % 1000;
      }
      const offsets = offsetsOf(queries, judged);
      const docs = new Int32Array(queries * judged);
      const gains = new Float32Array(queries * judged);
      for (let i = 0; i < docs.length; i++) { docs[i] = Math.floor(rand() * 1000); gains[i] = Math.floor(rand() * 3); }
      const qrels: Qrels = { offsets, docs, gains };
      const args = { ranked, width, qrels, k: 10 };
      return { run: (K) => (kernel === 'ndcgAtK' ? K.ndcgAtK(args) : K.recallAtK(args)), flops: null, bytes: (ranked.length + 2 * docs.length) * 4 };
    },
  };
}

/**
 * A reward batch: B documents of T vectors, G random half-kept masks each, Q queries whose owners
 * are spread over a corpus of 4B documents (a quarter of them in the batch, `owned`).
 */
function rewardBatch(B: number, T: number, D: number, G: number, Q: number) {
  const docs = { dim: D, vectors: floats(rand, B * T * D), offsets: offsetsOf(B, T) };
  const masks = new Uint8Array(B * T * G);
  let kept = 0;
  for (let i = 0; i < masks.length; i++) { masks[i] = rand() < 0.5 ? 1 : 0; kept += masks[i]; }
  const queryOwner = new Int32Array(Q);
  let owned = 0;
  for (let q = 0; q < Q; q++) { queryOwner[q] = Math.floor(rand() * B * 4); if (queryOwner[q] < B) owned++; }
  const queries = { rows: Q, dim: D, data: floats(rand, Q * D) };
  return { docs, masks, kept, queryOwner, owned, queries };
}

function rewardCase(label: string, B: number, T: number, D: number, G: number, Q: number, ts: boolean, full = false): Case {
  return {
    kernel: 'inverseRetrievalReward', shape: `${label} B=${B} T=${T} D=${D} G=${G} Q=${Q} k=3`, ts, full,
    prepare: () => {
      const { docs, masks, kept, queryOwner, queries } = rewardBatch(B, T, D, G, Q);
      const args = { docs, masks, groups: G, queries, queryOwner, k: 3 };
      return {
        run: (K) => K.inverseRetrievalReward(args),
        flops: kept * D + 2 * B * G * Q * D,
        bytes: kept * D * 4 + masks.length + Q * D * 4,
      };
    },
  };
}

/**
 * The forward reward at the same shapes as the inverse one: each query owned by a batch document
 * (about a quarter of Q here, as the inverse case's owners) scores that document's G pooled vectors
 * against k = 3 competitor scores (random, descending); flops and bytes count only those queries.
 */
function forwardRewardCase(label: string, B: number, T: number, D: number, G: number, Q: number, ts: boolean, full = false): Case {
  const k = 3;
  return {
    kernel: 'forwardRetrievalReward', shape: `${label} B=${B} T=${T} D=${D} G=${G} Q=${Q} k=${k}`, ts, full,
    prepare: () => {
      // only the `owned` queries (owner in the batch) are scored
      const { docs, masks, kept, queryOwner, owned, queries } = rewardBatch(B, T, D, G, Q);
      const competitors = new Float32Array(Q * k);
      for (let q = 0; q < Q; q++) {
        const row = Array.from({ length: k }, () => (rand() * 2 - 1) * 0.6).sort((a, b) => b - a);
        competitors.set(row, q * k);
      }
      const args = {
        docs, masks, groups: G, queries, queryOwner, competitorScores: { rows: Q, dim: k, data: competitors },
      };
      return {
        run: (K) => K.forwardRetrievalReward(args),
        flops: kept * D + 2 * G * owned * D,
        bytes: kept * D * 4 + masks.length + owned * D * 4 + Q * k * 4,
      };
    },
  };
}

/** The machine limit that bounds each kernel on the CPU: the FMA peak or the read bandwidth. */
const LIMIT: Record<string, 'fma' | 'read'> = {
  poolMasked: 'read', scoreTopK: 'fma', maxSimTopK: 'fma', inverseRetrievalReward: 'fma', forwardRetrievalReward: 'read',
};

/** One measurement of both machine limits on the kernels' threads and SIMD level (the CPU addon's probes). */
interface Limits { atS: number; fma: NativeProbe; read: NativeProbe; loadAverage: number[] }

function measureLimits(addon: NativeAddon | null, quick: boolean, t0: number): Limits | null {
  if (!addon?._probeFma || !addon._probeReadBandwidth) return null;
  const fma = addon._probeFma(quick ? 500 : 2000, quick ? 5 : 9);
  const read = addon._probeReadBandwidth(quick ? 256 : 512, quick ? 5 : 9);
  return { atS: round((Date.now() - t0) / 1000, 1), fma, read, loadAverage: os.loadavg().map((x) => round(x, 2)) };
}

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// ts runs only where `ts` is true; those shapes are sized for about 0.1-0.4 s per ts call.
const CASES: Case[] = [
  poolCase('ColPali', 64, 1030, 128, 8, true),
  poolCase('GloVe', 256, 200, 100, 16, true),
  poolCase('ColPali', 512, 1030, 128, 16, false, true),
  // DRAM-scale corpora (>= 256 MB, far beyond the L3): bytes are still kept rows + masks, so with a
  // random 50% mask and G = 1 the prefetcher's reads of dropped rows are not counted
  poolCase('DRAM', 2560, 200, 128, 1, false, false, 1),
  poolCase('DRAM', 2560, 200, 128, 1, false),
  poolCase('DRAM ColPali', 512, 1030, 128, 8, false),
  poolCase('DRAM GloVe', 7000, 200, 100, 1, false, true, 1),
  scoreCase('ColPali', 96, 10000, 128, 10, true),
  scoreCase('GloVe', 96, 10000, 100, 10, true),
  scoreCase('ColPali', 1024, 50000, 128, 10, false),
  scoreCase('ColPali few-queries', 8, 100000, 128, 10, false),
  scoreCase('ColPali', 8192, 200000, 128, 100, false, true),
  maxSimCase('ColPali', 4, 16, 16, 1030, 128, true),
  maxSimCase('GloVe', 8, 8, 128, 200, 100, true),
  maxSimCase('ColPali', 32, 32, 64, 1030, 128, false),
  maxSimCase('ColPali', 128, 32, 512, 1030, 128, false, true),
  { ...maxSimCase('ColPali', 256, 32, 1024, 1030, 128, false, true), gpuOnly: true },
  metricCase('ndcgAtK', 10000, 100, 10, true),
  metricCase('recallAtK', 10000, 100, 10, true),
  rewardCase('ColPali', 16, 1030, 128, 8, 2000, true),
  rewardCase('GloVe', 64, 200, 100, 16, 2000, true),
  rewardCase('ColPali', 64, 1030, 128, 8, 5000, false),
  rewardCase('ColPali', 256, 1030, 128, 16, 20000, false, true),
  forwardRewardCase('ColPali', 16, 1030, 128, 8, 2000, true),
  forwardRewardCase('GloVe', 64, 200, 100, 16, 2000, true),
  forwardRewardCase('ColPali', 64, 1030, 128, 8, 5000, false),
  forwardRewardCase('ColPali', 256, 1030, 128, 16, 20000, false, true),
];

function main(): void {
  const quick = process.argv.includes('--quick');
  const jsonFile = arg('json');
  const wantBackends = (arg('backends') ?? 'ts,cpu,cuda').split(',');
  const wantKernels = arg('kernels')?.split(',');
  const threads = arg('threads');

  const backends: Kernels[] = [];
  const notes: Record<string, string> = {};
  if (wantBackends.includes('ts')) backends.push(tsKernels);
  for (const flavor of ['cpu', 'cuda'] as const) {
    if (!wantBackends.includes(flavor)) continue;
    const b = loadNativeBackend(flavor);
    notes[flavor] = b.status.reason;
    if (b.kernels) backends.push(b.kernels);
  }
  const cpuAddon = loadNativeAddon('cpu').addon;
  if (cpuAddon && threads) cpuAddon._setThreads(Number(threads));
  const cpuInfo = cpuAddon ? cpuAddon.info() : null;
  const cudaAddon = loadNativeAddon('cuda').addon;
  let cudaInfo: unknown;
  try { cudaInfo = cudaAddon ? cudaAddon.info() : null; } catch { cudaInfo = null; }

  const opts = quick
    ? { native: { maxTime: 0.3, minSamples: 5 }, ts: { maxTime: 0.1, minSamples: 2 } }
    : { native: { maxTime: 2, minSamples: 5 }, ts: { maxTime: 1, minSamples: 5 } };

  const results: Result[] = [];
  const started = Date.now();
  // The machine's own limits, measured at the start and again at the end of this run.
  const limitsStart = measureLimits(cpuAddon, quick, started);
  if (limitsStart) process.stderr.write(`  limits: FMA ${limitsStart.fma.median.toFixed(1)} GFLOP/s, read ${limitsStart.read.median.toFixed(1)} GB/s (${limitsStart.fma.threads} threads, ${limitsStart.fma.simd})\n`);
  for (const c of CASES) {
    if (c.full && quick) continue;
    if (wantKernels && !wantKernels.includes(c.kernel)) continue;
    if (c.gpuOnly && !backends.some((b) => b.name === 'cuda')) continue;
    const prepared = c.prepare();
    const tsMs: { v: number | null } = { v: null };
    for (const K of backends) {
      if (K.name === 'ts' && !c.ts) continue;
      if (c.gpuOnly && K.name !== 'cuda') continue;
      const t = time(`${c.kernel} ${K.name} ${c.shape}`, () => { prepared.run(K); }, K.name === 'ts' ? opts.ts : opts.native);
      if (K.name === 'ts') tsMs.v = t.medianMs;
      const r: Result = {
        kernel: c.kernel,
        backend: K.name,
        shape: c.shape,
        medianMs: round(t.medianMs, 4),
        minMs: round(t.minMs, 4),
        gflops: prepared.flops === null ? null : round(prepared.flops / t.medianMs / 1e6, 2),
        gbps: prepared.bytes === null ? null : round(prepared.bytes / t.medianMs / 1e6, 2),
        speedupVsTs: tsMs.v === null ? null : round(tsMs.v / t.medianMs, 2),
        cpuMs: round(t.cpuMs, 4),
        samples: t.samples,
      };
      if (K.name === 'cpu') r.limit = LIMIT[c.kernel] ?? null;
      results.push(r);
      process.stderr.write(`  ${r.kernel.padEnd(22)} ${r.backend.padEnd(4)} ${r.medianMs.toFixed(3).padStart(10)} ms  ${c.shape}\n`);
    }
  }

  const limitsEnd = measureLimits(cpuAddon, quick, started);
  const probes = [limitsStart, limitsEnd].filter((l): l is Limits => l !== null);
  // The limit each share is taken of: the median over every probe rep of the run (start and end
  // each give their median; with two measurements that is their mean).
  const fmaPeak = probes.length ? median(probes.map((l) => l.fma.median)) : null;
  const readBw = probes.length ? median(probes.map((l) => l.read.median)) : null;
  for (const r of results) {
    if (r.backend !== 'cpu') continue;
    r.fmaShare = fmaPeak && r.gflops !== null ? round(r.gflops / fmaPeak, 3) : null;
    r.readShare = readBw && r.gbps !== null ? round(r.gbps / readBw, 3) : null;
  }
  const out = {
    data: 'synthetic random (seeded uniform [-1, 1) vectors, random 50% masks); no real data',
    mode: quick ? 'quick' : 'full',
    machine: machine({
      simd: cpuInfo?.simd ?? null,
      threads: cpuInfo?.threads ?? null,
      cpuAddon: cpuInfo,
      cudaAddon: cudaInfo,
      backends: notes,
      loadAverageStart: limitsStart?.loadAverage ?? null,
    }),
    limits: probes.length
      ? {
        fmaPeakGflops: round(fmaPeak!, 1),
        readBandwidthGBps: round(readBw!, 1),
        threads: probes[0].fma.threads,
        simd: probes[0].fma.simd,
        measurements: probes,
        how: 'CPU addon probes (native/kernels/cpu/probe.cpp) on the kernels\' threads and SIMD level: register-resident fp32 FMA chains; a vector-load sum over a buffer far larger than the caches. Each measurement is the median of its reps; the limit is the median of the run\'s measurements (start and end).',
      }
      : { unavailable: cpuAddon ? 'this CPU addon predates the probes (_probeFma); rebuild it with `npm run build:native`' : 'no CPU addon' },
    metrics: {
      minMs: 'fastest benchmark.js sample; on a shared machine the least disturbed one',
      gflops: 'useful floating-point operations / median time (dot product = 2 per element; pooling = 1 add per kept element)',
      gbps: 'bytes that must be read / median time: kept rows + masks for pooling; inputs once for the others',
      speedupVsTs: 'ts median / this median on the same shape',
      fmaShare: 'gflops / limits.fmaPeakGflops (cpu rows)',
      readShare: 'gbps / limits.readBandwidthGBps (cpu rows; for pooling the bytes are kept rows + masks, not the DRAM traffic)',
      cpuMs: 'process CPU time per call, all threads; on an idle machine about medianMs x threads (more wall time than that means other processes shared the cores)',
    },
    elapsedS: round((Date.now() - started) / 1000, 1),
    results,
  };
  console.log(table(results));
  if (fmaPeak !== null && readBw !== null) {
    console.log(`\nmachine limits measured in this run (${probes[0].fma.threads} threads, ${probes[0].fma.simd}): FMA peak ${fmaPeak.toFixed(1)} GFLOP/s, read bandwidth ${readBw.toFixed(1)} GB/s`
      + ` (start ${probes[0].fma.median.toFixed(1)} / ${probes[0].read.median.toFixed(1)}, end ${probes[probes.length - 1].fma.median.toFixed(1)} / ${probes[probes.length - 1].read.median.toFixed(1)})`);
  } else {
    console.log('\nmachine limits not measured: the CPU addon has no probes (rebuild it with `npm run build:native`)');
  }
  console.log(`\n${out.mode} mode, ${out.elapsedS} s; machine: ${JSON.stringify(out.machine.cpuModel)}, ${Number(out.machine.cores)} cores, simd ${cpuInfo?.simd ?? 'null'}, ${cpuInfo?.threads ?? 'null'} threads, load ${JSON.stringify(out.machine.loadAverage)}`);
  if (jsonFile) {
    fs.writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${jsonFile}`);
  }
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

main();
