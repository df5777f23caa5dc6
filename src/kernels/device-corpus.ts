/**
 * The cuda backend's corpus handle: the addon's device-resident corpus (NativeCorpus) with the
 * shared corpus checks in front (corpus.ts, so messages match every backend) and a host corpus on
 * the fallback backend behind it for device failures (fallback.ts). Once the cuda backend is dead
 * the device copy is released and every call goes to the host corpus.
 */
import { buildCorpus, CORPUS_CHECKS, hostCorpus } from './corpus';
import type { CorpusShape } from './corpus';
import { asyncWithFallback, syncWithFallback } from './retry';
import type { OnDeviceFailure } from './retry';
import type { NativeCorpus } from './load';
import { call } from './list';
import { rejectOnThrow } from './promise';
import type { BackendName, CorpusArgs, KernelCorpus, Kernels } from './types';

/** A device corpus handle with validation in front and a host corpus behind for device failures. */
export function deviceCorpus(raw: NativeCorpus, args: CorpusArgs, shape: CorpusShape, isDead: () => boolean,
  failed: OnDeviceFailure, fallback: () => Kernels): KernelCorpus {
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
  const check = (m: keyof typeof CORPUS_CHECKS, fn: string) => (a: unknown): void => {
    CORPUS_CHECKS[m](fn, a, shape);
    if (disposed) throw new TypeError(`${fn}: the corpus has been disposed`);
  };
  return {
    get backend(): BackendName { return onDevice() && !host ? 'cuda' : fallback().name; },
    count: shape.count,
    dim: shape.dim,
    queries: shape.queries,
    ...buildCorpus(
      (m, fn) => {
        const ok = check(m, fn);
        const onHost = (a: unknown) => call(hostOf(), m, a);
        return (a) => {
          ok(a);
          const c = onDevice();
          return c ? syncWithFallback(fn, (x: unknown) => call(c, m, x), onHost, failed)(a) : onHost(a);
        };
      },
      (m, fn) => {
        const n = `${m}Async`;
        const onHost = (a: unknown) => call(hostOf(), n, a) as Promise<unknown>;
        return rejectOnThrow(check(m, fn), (_, a) => {
          const c = onDevice();
          return c ? asyncWithFallback(fn, (x: unknown) => call(c, n, x) as Promise<unknown>, onHost, failed)(a) : onHost(a);
        });
      },
    ),
    dispose: () => {
      disposed = true;
      device?.dispose();
      device = null;
      host?.dispose();
    },
  };
}
