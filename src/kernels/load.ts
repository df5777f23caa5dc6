/**
 * Finding and loading reinpool_<flavor>.node, and the types of what it exports. Never throws: an
 * addon that cannot load comes back as { addon: null, reason }.
 *
 * Lookup order for reinpool_<flavor>.node:
 *   1. $REINPOOL_NATIVE_DIR/reinpool_<flavor>.node (when the variable is set),
 *   2. <package>/build/Release/reinpool_<flavor>.node (cmake-js / node-gyp output: a build from
 *      source on this machine wins over the shipped binary, as with node-gyp-build),
 *   3. <package>/prebuilds/<platform>-<arch>/reinpool_<flavor>.node (node-gyp-build's layout).
 *
 * An addon must export every kernel of the list (list.ts), sync and async; one built from an older
 * reinpool is refused with the missing names in the reason. This module imports nothing from npm.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CorpusFunctions } from './corpus';
import { asyncName, KERNEL_NAMES } from './list';
import type { KernelFunctions } from './list';
import type { CorpusArgs } from './types';

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
export interface NativeAddon extends KernelFunctions {
  info(): NativeInfo;
  available(): { available: boolean; reason: string };
  /** default CPU threads per call (0 = all); returns the count now used */
  _setThreads(n: number): number;
  /** override REINPOOL_VALIDATE_FINITE inside the addon (undefined: follow the environment) */
  _setValidateFinite(on?: boolean): boolean;
  /** cpu only: cap the SIMD level ('avx512' | 'avx2' | 'sse2'); returns the level now used */
  _setSimd?(level: string): string;
  /** cpu only (absent from addons built before it): fp32 FMA peak, GFLOP/s, at the kernels' SIMD level and threads */
  _probeFma?(ms: number, reps: number, threads?: number): NativeProbe;
  /** cpu only (absent from addons built before it): read bandwidth, GB/s, summing a `megabytes` buffer `passes` times */
  _probeReadBandwidth?(megabytes: number, passes: number, threads?: number): NativeProbe;
  /** cuda only: upload a corpus once (see NativeCorpus) */
  createCorpus?(args: CorpusArgs): NativeCorpus;
  /** cuda only: the precision the stateless kernels use (REINPOOL_CUDA_PRECISION) */
  precision?(): string;
}

/** A machine-limit probe's rates over its reps (GFLOP/s or GB/s). */
export interface NativeProbe {
  median: number;
  best: number;
  reps: number;
  threads: number;
  simd: string;
}

/** The raw device-resident corpus handle of reinpool_cuda.node (no TypeScript validation). */
export interface NativeCorpus extends CorpusFunctions {
  readonly count: number;
  readonly dim: number;
  readonly queries: number;
  readonly deviceBytes: number;
  readonly precision: string;
  readonly disposed: boolean;
  dispose(): void;
}

/** The package root: the nearest directory above this file whose package.json is reinpool's. */
function packageRoot(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const pj = path.join(dir, 'package.json');
    try {
      if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'reinpool') return dir;
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

/** Why a required module is not a usable reinpool addon, or null when it is one. */
function notAnAddon(addon: unknown, file: string): string | null {
  const a = addon as Record<string, unknown> | null | undefined;
  if (typeof a?.available !== 'function' || typeof a?.scoreTopK !== 'function') return `${file} is not a reinpool addon (missing exports)`;
  const missing = KERNEL_NAMES.flatMap((k) => [k, asyncName(k)]).filter((k) => typeof a[k] !== 'function');
  if (missing.length) {
    return `${file} lacks ${missing.join(', ')} (built from an older reinpool); rebuild it with \`npm run build:native\``;
  }
  return null;
}

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
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a .node addon at a path found at run time loads only through require()
      const addon = require(file) as NativeAddon;
      const why = notAnAddon(addon, file);
      result = why ? { addon: null, file, reason: why } : { addon, file, reason: 'loaded' };
    } catch (e) {
      result = { addon: null, file, reason: `failed to load ${file}: ${(e as Error)?.message ?? String(e)}` };
    }
  }
  loads.set(flavor, result);
  return result;
}
