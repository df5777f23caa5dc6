/**
 * The one list of stateless kernels: each name of the contract (Kernels in types.ts) with the
 * validator that guards it. Everything that has one entry per kernel is derived from it: the native
 * wrappers (wrap.ts), the cuda fallback (fallback.ts), the loader's export check and the NativeAddon
 * type (load.ts), the ts backend's async forms. Adding a kernel = its types (types.ts), its check
 * (validate.ts), one line here, and the backends; the compiler points at anything missing.
 */
import type { Kernels } from './types';
import {
  checkForwardReward, checkInverseReward, checkMaxSimTopK, checkMlpCompress, checkPoolMasked, checkRankedEval, checkScoreTopK,
} from './validate';

/** The stateless kernels: every method of Kernels except the async forms and createCorpus. */
export type KernelName = Exclude<keyof Kernels, 'name' | 'createCorpus' | `${string}Async`>;
export type AsyncName<K extends KernelName = KernelName> = `${K}Async`;
/** Every kernel function of a backend, sync and async (Kernels without name and createCorpus). */
export type KernelFunctions = Pick<Kernels, KernelName | AsyncName>;

/** A kernel's validator: throws a TypeError / RangeError starting with `fn: ` and naming the argument. */
export type KernelCheck = (fn: string, a: unknown) => unknown;

/** THE list (insertion order = the order wrappers and reports use). */
export const KERNEL_CHECKS: { readonly [K in KernelName]: KernelCheck } = {
  poolMasked: checkPoolMasked,
  scoreTopK: checkScoreTopK,
  ndcgAtK: checkRankedEval,
  recallAtK: checkRankedEval,
  maxSimTopK: checkMaxSimTopK,
  inverseRetrievalReward: checkInverseReward,
  forwardRetrievalReward: checkForwardReward,
  mlpCompress: checkMlpCompress,
};

export const KERNEL_NAMES = Object.keys(KERNEL_CHECKS) as KernelName[];

export const asyncName = <K extends KernelName>(k: K): AsyncName<K> => `${k}Async`;

/** Any kernel function, seen from code that only forwards arguments (the list ties names to types). */
export type AnyKernel = (a: unknown) => unknown;
export type AnyAsyncKernel = (a: unknown) => Promise<unknown>;

/** Calls kernel `k` of a Kernels-shaped object as a method (the addon's functions keep their `this`). */
export function call(o: object, k: string, a: unknown): unknown {
  return (o as Record<string, AnyKernel>)[k](a);
}

/**
 * Builds every kernel function of a backend from one maker for the sync forms and one for the async
 * forms, each given the kernel's name.
 */
export function buildKernels(sync: (k: KernelName) => AnyKernel, async: (k: KernelName) => AnyAsyncKernel): KernelFunctions {
  const out: Record<string, AnyKernel> = {};
  for (const k of KERNEL_NAMES) {
    out[k] = sync(k);
    out[asyncName(k)] = async(k);
  }
  return out as unknown as KernelFunctions;
}
