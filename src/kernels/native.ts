/**
 * Loader for the native backends (reinpool_cpu.node, reinpool_cuda.node). It never throws: a
 * backend that cannot load comes back as { kernels: null, status: { available: false, reason } }.
 *
 * Lookup order for reinpool_<flavor>.node:
 *   1. $REINPOOL_NATIVE_DIR/reinpool_<flavor>.node (when the variable is set),
 *   2. <package>/prebuilds/<platform>-<arch>/reinpool_<flavor>.node (node-gyp-build's layout),
 *   3. <package>/build/Release/reinpool_<flavor>.node (cmake-js / node-gyp output).
 *
 * Every kernel runs the shared TypeScript validation first (so error messages are identical on
 * every backend), then the addon, which checks its arguments again before touching memory.
 * This module imports nothing from npm.
 */
import * as fs from 'fs';
import * as path from 'path';
import type {
  BackendStatus, InverseRewardArgs, Kernels, MaxSimTopKArgs, PoolMaskedArgs, RankedEvalArgs,
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
    out.push(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, file));
    out.push(path.join(root, 'build', 'Release', file));
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

/**
 * The native backend of the given flavor, or null with the reason it is unavailable (file missing,
 * load error, or for cuda: no device / driver). Never throws.
 */
export function loadNativeBackend(flavor: 'cpu' | 'cuda'): { kernels: Kernels | null; status: BackendStatus } {
  try {
    const load = loadNativeAddon(flavor);
    if (!load.addon) return { kernels: null, status: { available: false, reason: load.reason } };
    const avail = load.addon.available();
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
    return { kernels: wrapAddon(load.addon, flavor), status: { available: true, reason: `loaded ${load.file}${detail}` } };
  } catch (e) {
    return { kernels: null, status: { available: false, reason: `${flavor} backend failed: ${(e as Error)?.message ?? String(e)}` } };
  }
}
