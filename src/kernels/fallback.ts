/**
 * cuda at run time: a kernel call that fails on the device (the addon's error carries a `code`
 * ERR_REINPOOL_UNAVAILABLE | ERR_REINPOOL_INTERNAL | ERR_REINPOOL_OUT_OF_MEMORY) is answered by the
 * fallback backend (the CPU addon, or ts when no CPU addon loads) instead, with ONE process warning
 * (code REINPOOL_FALLBACK). Out of memory affects that call only; any other device failure switches
 * the whole cuda backend (and every corpus handle, device-corpus.ts) over for the rest of the
 * process. Bad arguments are never retried: they throw TypeError / RangeError as on every backend.
 */
import { checkCorpusArgs, hostCorpus } from './corpus';
import { deviceCorpus } from './device-corpus';
import { asyncWithFallback, isDeviceError, syncWithFallback } from './retry';
import type { OnDeviceFailure } from './retry';
import type { NativeCorpus } from './load';
import { asyncName, buildKernels, call } from './list';
import type { BackendName, CorpusArgs, KernelCorpus, Kernels } from './types';

export { isDeviceError };

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
  const failed: OnDeviceFailure = (what, e) => {
    const oom = (e as { code?: unknown })?.code === 'ERR_REINPOOL_OUT_OF_MEMORY';
    if (!oom) dead = true;
    warnFallback(what, fallback().name, e);
  };
  // each kernel: on the primary until it dies, then (and for a failed call) on the fallback
  const route = <R>(device: (a: unknown) => R, host: (a: unknown) => R) => (a: unknown): R => (dead ? host(a) : device(a));
  const K: Kernels = {
    get name(): BackendName { return dead ? fallback().name : primary.name; },
    ...buildKernels(
      (k) => {
        const host = (a: unknown) => call(fallback(), k, a);
        return route(syncWithFallback(k, (a) => call(primary, k, a), host, failed), host);
      },
      (k) => {
        const n = asyncName(k);
        const host = (a: unknown) => call(fallback(), n, a) as Promise<unknown>;
        return route(asyncWithFallback(n, (a) => call(primary, n, a) as Promise<unknown>, host, failed), host);
      },
    ),
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
    if (!raw) return hostCorpus(fallback(), args, shape);
    return deviceCorpus(raw, args, shape, () => dead, failed, fallback);
  };
  return K;
}
