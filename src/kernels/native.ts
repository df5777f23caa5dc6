/**
 * Loader for the native backends (reinpool_cpu.node, reinpool_cuda.node). It never throws: a
 * backend that cannot load comes back as { kernels: null, status: { available: false, reason } }.
 *
 * Lookup order for reinpool_<flavor>.node:
 *   1. $REINPOOL_NATIVE_DIR/reinpool_<flavor>.node (when the variable is set),
 *   2. <package>/build/Release/reinpool_<flavor>.node (cmake-js / node-gyp output: a build from
 *      source on this machine wins over the shipped binary, as with node-gyp-build),
 *   3. <package>/prebuilds/<platform>-<arch>/reinpool_<flavor>.node (node-gyp-build's layout).
 *
 * Every kernel runs the shared TypeScript validation first (so error messages are identical on
 * every backend), then the addon, which checks its arguments again before touching memory.
 *
 * cuda at run time: a kernel call that fails on the device (the addon's error carries a `code`
 * ERR_REINPOOL_UNAVAILABLE | ERR_REINPOOL_INTERNAL | ERR_REINPOOL_OUT_OF_MEMORY) is answered by the
 * CPU backend (or ts when no CPU addon loads) instead, with ONE process warning (code
 * REINPOOL_FALLBACK). Out of memory affects that call only; any other device failure switches the
 * whole cuda backend (and every corpus handle) over for the rest of the process. Bad arguments are
 * never retried: they throw TypeError / RangeError as on every backend.
 * This module imports nothing from npm.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  checkCorpusArgs, checkCorpusBatch, checkCorpusQueryTopK, checkCorpusReward, hostCorpus,
} from './corpus';
import type { CorpusShape } from './corpus';
import { tsKernels } from './ts';
import type {
  BackendName, BackendStatus, CorpusArgs, CorpusPoolArgs, CorpusQueryTopKArgs, CorpusRewardArgs,
  InverseRewardArgs, KernelCorpus, Kernels, MaxSimTopKArgs, PoolMaskedArgs, RankedEvalArgs,
  ScoreTopKArgs, TopK,
} from './types';
import {
  checkInverseReward, checkMaxSimTopK, checkPoolMasked, checkRankedEval, checkScoreTopK,
} from './validate';

export type NativeFlavor = 'cpu' | 'cuda';

/** What the addon reports about itself (addon.info()). */
export interface NativeInfo {
  flavor: NativeFlavor;
  napiVersion: number;
  available: boolean;
  reason: string;
  backend?: string;
  simd?: string;
  threads?: number;
  detail?: string;
}

/** The raw functions a reinpool_*.node exports (no TypeScript validation in front of them). */
export interface NativeAddon {
  poolMasked(args: PoolMaskedArgs): Float32Array;
  poolMaskedAsync(args: PoolMaskedArgs): Promise<Float32Array>;
  scoreTopK(args: ScoreTopKArgs): TopK;
  scoreTopKAsync(args: ScoreTopKArgs): Promise<TopK>;
  ndcgAtK(args: RankedEvalArgs): Float64Array;
  ndcgAtKAsync(args: RankedEvalArgs): Promise<Float64Array>;
  recallAtK(args: RankedEvalArgs): Float64Array;
  recallAtKAsync(args: RankedEvalArgs): Promise<Float64Array>;
  maxSimTopK(args: MaxSimTopKArgs): TopK;
  maxSimTopKAsync(args: MaxSimTopKArgs): Promise<TopK>;
  inverseRetrievalReward(args: InverseRewardArgs): Float32Array;
  inverseRetrievalRewardAsync(args: InverseRewardArgs): Promise<Float32Array>;
  info(): NativeInfo;
  available(): { available: boolean; reason: string };
  /** default CPU threads per call (0 = all); returns the count now used */
  _setThreads(n: number): number;
  /** override REINPOOL_VALIDATE_FINITE inside the addon (undefined: follow the environment) */
  _setValidateFinite(on?: boolean): boolean;
  /** cpu only: cap the SIMD level ('avx512' | 'avx2' | 'sse2'); returns the level now used */
  _setSimd?(level: string): string;
  /** cuda only: upload a corpus once (see NativeCorpus) */
  createCorpus?(args: CorpusArgs): NativeCorpus;
  /** cuda only: the precision the stateless kernels use (REINPOOL_CUDA_PRECISION) */
  precision?(): string;
}

/** The raw device-resident corpus handle of reinpool_cuda.node (no TypeScript validation). */
export interface NativeCorpus {
  readonly count: number;
  readonly dim: number;
  readonly queries: number;
  readonly deviceBytes: number;
  readonly precision: string;
  readonly disposed: boolean;
  pool(args: CorpusPoolArgs): Float32Array;
  poolAsync(args: CorpusPoolArgs): Promise<Float32Array>;
  reward(args: CorpusRewardArgs): Float32Array;
  rewardAsync(args: CorpusRewardArgs): Promise<Float32Array>;
  queryTopK(args: CorpusQueryTopKArgs): TopK;
  queryTopKAsync(args: CorpusQueryTopKArgs): Promise<TopK>;
  dispose(): void;
}

/** The package root: the nearest directory above this file whose package.json is reinpool's. */
function packageRoot(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const pj = path.join(dir, 'package.json');
    try {
      if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'reinpool') return dir;
    } catch {
      /* unreadable package.json: keep looking */
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Every place reinpool_<flavor>.node is looked for, in order. */
export function nativeCandidates(flavor: NativeFlavor): string[] {
  const file = `reinpool_${flavor}.node`;
  const out: string[] = [];
  const envDir = process.env.REINPOOL_NATIVE_DIR;
  if (envDir) out.push(path.resolve(envDir, file));
  const root = packageRoot();
  if (root) {
    out.push(path.join(root, 'build', 'Release', file));
    out.push(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, file));
  }
  return out;
}

export interface NativeLoad {
  addon: NativeAddon | null;
  file: string | null;
  reason: string;
}

const loads = new Map<NativeFlavor, NativeLoad>();

/** Loads (once) and returns the raw addon, or null with the reason. Never throws. */
export function loadNativeAddon(flavor: NativeFlavor): NativeLoad {
  const cached = loads.get(flavor);
  if (cached) return cached;
  let result: NativeLoad;
  const candidates = nativeCandidates(flavor);
  const file = candidates.find((f) => {
    try {
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  });
  if (!file) {
    result = {
      addon: null,
      file: null,
      reason: `reinpool_${flavor}.node not found (looked in ${candidates.join(', ') || 'no package root'}); `
        + (flavor === 'cpu' ? 'build it with `npm run build:native`' : 'build it on a machine with nvcc'),
    };
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon = require(file) as NativeAddon;
      if (typeof addon?.available !== 'function' || typeof addon?.scoreTopK !== 'function') {
        result = { addon: null, file, reason: `${file} is not a reinpool addon (missing exports)` };
      } else {
        result = { addon, file, reason: 'loaded' };
      }
    } catch (e) {
      result = { addon: null, file, reason: `failed to load ${file}: ${(e as Error)?.message ?? String(e)}` };
    }
  }
  loads.set(flavor, result);
  return result;
}

function rejectOnThrow<A, R>(check: (a: A) => void, run: (a: A) => Promise<R>): (a: A) => Promise<R> {
  return (a: A) => {
    try {
      check(a);
    } catch (e) {
      return Promise.reject(e);
    }
    return run(a);
  };
}

/** Wraps a raw addon as a Kernels backend: shared TS validation first, then the addon. */
export function wrapAddon(addon: NativeAddon, name: 'cpu' | 'cuda'): Kernels {
  const K = wrapAddonKernels(addon, name);
  K.createCorpus = (a: CorpusArgs) => hostCorpus(K, a);
  return K;
}

function wrapAddonKernels(addon: NativeAddon, name: 'cpu' | 'cuda'): Kernels {
  const pool = (a: PoolMaskedArgs) => void checkPoolMasked('poolMasked', a);
  const score = (a: ScoreTopKArgs) => void checkScoreTopK('scoreTopK', a);
  const ndcg = (a: RankedEvalArgs) => void checkRankedEval('ndcgAtK', a);
  const recall = (a: RankedEvalArgs) => void checkRankedEval('recallAtK', a);
  const maxSim = (a: MaxSimTopKArgs) => void checkMaxSimTopK('maxSimTopK', a);
  const reward = (a: InverseRewardArgs) => void checkInverseReward('inverseRetrievalReward', a);
  return {
    name,
    poolMasked: (a) => (pool(a), addon.poolMasked(a)),
    scoreTopK: (a) => (score(a), addon.scoreTopK(a)),
    ndcgAtK: (a) => (ndcg(a), addon.ndcgAtK(a)),
    recallAtK: (a) => (recall(a), addon.recallAtK(a)),
    maxSimTopK: (a) => (maxSim(a), addon.maxSimTopK(a)),
    inverseRetrievalReward: (a) => (reward(a), addon.inverseRetrievalReward(a)),
    poolMaskedAsync: rejectOnThrow(pool, (a) => addon.poolMaskedAsync(a)),
    scoreTopKAsync: rejectOnThrow(score, (a) => addon.scoreTopKAsync(a)),
    ndcgAtKAsync: rejectOnThrow(ndcg, (a) => addon.ndcgAtKAsync(a)),
    recallAtKAsync: rejectOnThrow(recall, (a) => addon.recallAtKAsync(a)),
    maxSimTopKAsync: rejectOnThrow(maxSim, (a) => addon.maxSimTopKAsync(a)),
    inverseRetrievalRewardAsync: rejectOnThrow(reward, (a) => addon.inverseRetrievalRewardAsync(a)),
  };
}

// ---- cuda: runtime fallback ----------------------------------------------------------------------

/** Whether an error is a device failure (fall back) rather than a bad argument (rethrow). */
export function isDeviceError(e: unknown): boolean {
  if (e === null || typeof e !== 'object') return false;
  const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
  if (name === 'TypeError' || name === 'RangeError') return false;
  if (typeof code === 'string' && code.startsWith('ERR_REINPOOL_')) return true;
  return typeof message === 'string' && /cuda unavailable|cuda error in|backend unavailable/.test(message);
}

let fallbackWarned = false;

/** Emits the one REINPOOL_FALLBACK warning of this process (later calls do nothing). */
function warnFallback(what: string, to: BackendName, e: unknown): void {
  if (fallbackWarned) return;
  fallbackWarned = true;
  const why = (e as Error)?.message ?? String(e);
  process.emitWarning(`reinpool: ${what} failed on the cuda backend (${why}); using the ${to} backend instead`
    + ' (further device failures are not reported)', { code: 'REINPOOL_FALLBACK' });
}

/** Test hook: forget that the fallback warning was emitted. */
export function _resetFallbackWarning(): void {
  fallbackWarned = false;
}

/**
 * Puts a fallback behind a device backend: device failures (isDeviceError) rerun the call on
 * `fallback()` with one warning; out of memory only for that call, anything else for good. The
 * returned object's name (and every corpus handle's backend) tells which backend answers now.
 */
export function withDeviceFallback(primary: Kernels, fallback: () => Kernels,
  createDeviceCorpus?: (a: CorpusArgs) => NativeCorpus): Kernels {
  let dead = false;
  const failed = (what: string, e: unknown): void => {
    const oom = (e as { code?: unknown })?.code === 'ERR_REINPOOL_OUT_OF_MEMORY';
    if (!oom) dead = true;
    warnFallback(what, fallback().name, e);
  };
  function sync<A, R>(fn: keyof Kernels, p: (a: A) => R, f: () => (a: A) => R): (a: A) => R {
    return (a: A) => {
      if (dead) return f()(a);
      try {
        return p(a);
      } catch (e) {
        if (!isDeviceError(e)) throw e;
        failed(String(fn), e);
        return f()(a);
      }
    };
  }
  function async<A, R>(fn: keyof Kernels, p: (a: A) => Promise<R>, f: () => (a: A) => Promise<R>): (a: A) => Promise<R> {
    return (a: A) => {
      if (dead) return f()(a);
      return p(a).catch((e: unknown) => {
        if (!isDeviceError(e)) throw e;
        failed(String(fn), e);
        return f()(a);
      });
    };
  }
  const P = primary;
  const F = fallback;
  const K: Kernels = {
    get name(): BackendName { return dead ? F().name : P.name; },
    poolMasked: sync('poolMasked', (a) => P.poolMasked(a), () => F().poolMasked),
    scoreTopK: sync('scoreTopK', (a) => P.scoreTopK(a), () => F().scoreTopK),
    ndcgAtK: sync('ndcgAtK', (a) => P.ndcgAtK(a), () => F().ndcgAtK),
    recallAtK: sync('recallAtK', (a) => P.recallAtK(a), () => F().recallAtK),
    maxSimTopK: sync('maxSimTopK', (a) => P.maxSimTopK(a), () => F().maxSimTopK),
    inverseRetrievalReward: sync('inverseRetrievalReward', (a) => P.inverseRetrievalReward(a), () => F().inverseRetrievalReward),
    poolMaskedAsync: async('poolMaskedAsync', (a) => P.poolMaskedAsync(a), () => F().poolMaskedAsync),
    scoreTopKAsync: async('scoreTopKAsync', (a) => P.scoreTopKAsync(a), () => F().scoreTopKAsync),
    ndcgAtKAsync: async('ndcgAtKAsync', (a) => P.ndcgAtKAsync(a), () => F().ndcgAtKAsync),
    recallAtKAsync: async('recallAtKAsync', (a) => P.recallAtKAsync(a), () => F().recallAtKAsync),
    maxSimTopKAsync: async('maxSimTopKAsync', (a) => P.maxSimTopKAsync(a), () => F().maxSimTopKAsync),
    inverseRetrievalRewardAsync: async('inverseRetrievalRewardAsync', (a) => P.inverseRetrievalRewardAsync(a), () => F().inverseRetrievalRewardAsync),
  };
  K.createCorpus = (args: CorpusArgs): KernelCorpus => {
    const shape = checkCorpusArgs('createCorpus', args);
    let raw: NativeCorpus | null = null;
    if (!dead && createDeviceCorpus) {
      try {
        raw = createDeviceCorpus(args);
      } catch (e) {
        if (!isDeviceError(e)) throw e;
        failed('createCorpus', e);
      }
    }
    if (!raw) return hostCorpus(F(), args, shape);
    return deviceCorpus(raw, args, shape, () => dead, failed, F);
  };
  return K;
}

/** A device corpus handle with validation in front and a host corpus behind for device failures. */
function deviceCorpus(raw: NativeCorpus, args: CorpusArgs, shape: CorpusShape, isDead: () => boolean,
  failed: (what: string, e: unknown) => void, fallback: () => Kernels): KernelCorpus {
  let host: KernelCorpus | null = null;
  let device: NativeCorpus | null = raw;
  let disposed = false;
  const hostOf = (): KernelCorpus => (host ??= hostCorpus(fallback(), args, shape));
  const onDevice = (): NativeCorpus | null => {
    if (device && isDead()) {
      device.dispose();
      device = null;
    }
    return device;
  };
  const live = (fn: string) => {
    if (disposed) throw new TypeError(`${fn}: the corpus has been disposed`);
  };
  function sync<A, R>(fn: string, check: (a: A) => void, d: (c: NativeCorpus, a: A) => R, h: (c: KernelCorpus, a: A) => R): (a: A) => R {
    return (a: A) => {
      check(a);
      live(fn);
      const c = onDevice();
      if (!c) return h(hostOf(), a);
      try {
        return d(c, a);
      } catch (e) {
        if (!isDeviceError(e)) throw e;
        failed(fn, e);
        return h(hostOf(), a);
      }
    };
  }
  function async<A, R>(fn: string, check: (a: A) => void, d: (c: NativeCorpus, a: A) => Promise<R>,
    h: (c: KernelCorpus, a: A) => Promise<R>): (a: A) => Promise<R> {
    return (a: A) => {
      try {
        check(a);
        live(fn);
      } catch (e) {
        return Promise.reject(e);
      }
      const c = onDevice();
      if (!c) return h(hostOf(), a);
      return d(c, a).catch((e: unknown) => {
        if (!isDeviceError(e)) throw e;
        failed(fn, e);
        return h(hostOf(), a);
      });
    };
  }
  const pool = (a: CorpusPoolArgs) => void checkCorpusBatch('corpus.pool', a, shape);
  const reward = (a: CorpusRewardArgs) => void checkCorpusReward('corpus.reward', a, shape);
  const topk = (a: CorpusQueryTopKArgs) => void checkCorpusQueryTopK('corpus.queryTopK', a, shape);
  return {
    get backend(): BackendName { return onDevice() && !host ? 'cuda' : fallback().name; },
    count: shape.count,
    dim: shape.dim,
    queries: shape.queries,
    pool: sync('corpus.pool', pool, (c, a) => c.pool(a), (c, a) => c.pool(a)),
    reward: sync('corpus.reward', reward, (c, a) => c.reward(a), (c, a) => c.reward(a)),
    queryTopK: sync('corpus.queryTopK', topk, (c, a) => c.queryTopK(a), (c, a) => c.queryTopK(a)),
    poolAsync: async('corpus.pool', pool, (c, a) => c.poolAsync(a), (c, a) => c.poolAsync(a)),
    rewardAsync: async('corpus.reward', reward, (c, a) => c.rewardAsync(a), (c, a) => c.rewardAsync(a)),
    queryTopKAsync: async('corpus.queryTopK', topk, (c, a) => c.queryTopKAsync(a), (c, a) => c.queryTopKAsync(a)),
    dispose: () => {
      disposed = true;
      device?.dispose();
      device = null;
      host?.dispose();
    },
  };
}

/** The backend cuda falls back to: the CPU addon when it loads, else TypeScript. */
function cudaFallback(): Kernels {
  return loadNativeBackend('cpu').kernels ?? tsKernels;
}

const backends = new Map<'cpu' | 'cuda', { kernels: Kernels | null; status: BackendStatus }>();

/**
 * The native backend of the given flavor, or null with the reason it is unavailable (file missing,
 * load error, or for cuda: no device / driver, i.e. the addon loads but its init() fails). Cached;
 * never throws. The cuda kernels come with the runtime fallback described at the top.
 */
export function loadNativeBackend(flavor: 'cpu' | 'cuda'): { kernels: Kernels | null; status: BackendStatus } {
  let b = backends.get(flavor);
  if (!b) {
    b = probeNativeBackend(flavor);
    backends.set(flavor, b);
  }
  return b;
}

function probeNativeBackend(flavor: 'cpu' | 'cuda'): { kernels: Kernels | null; status: BackendStatus } {
  try {
    const load = loadNativeAddon(flavor);
    if (!load.addon) return { kernels: null, status: { available: false, reason: load.reason } };
    let avail: { available: boolean; reason: string } | undefined;
    try {
      avail = load.addon.available();
    } catch (e) {
      avail = { available: false, reason: `available() threw: ${(e as Error)?.message ?? String(e)}` };
    }
    if (!avail?.available) {
      return { kernels: null, status: { available: false, reason: `${flavor} addon loaded but unavailable: ${avail?.reason ?? 'unknown'}` } };
    }
    let detail = '';
    try {
      const info = load.addon.info();
      detail = flavor === 'cpu'
        ? ` (simd ${info.simd}, ${info.threads} threads)`
        : ` (${info.simd ?? 'device'})`;
    } catch {
      /* info is cosmetic */
    }
    const addon = load.addon;
    const kernels = flavor === 'cpu'
      ? wrapAddon(addon, 'cpu')
      : withDeviceFallback(wrapAddonKernels(addon, 'cuda'), cudaFallback,
        typeof addon.createCorpus === 'function' ? (a) => addon.createCorpus!(a) : undefined);
    return { kernels, status: { available: true, reason: `loaded ${load.file}${detail}` } };
  } catch (e) {
    return { kernels: null, status: { available: false, reason: `${flavor} backend failed: ${(e as Error)?.message ?? String(e)}` } };
  }
}
