/**
 * A raw addon as a Kernels backend: every kernel of the list (list.ts) runs its shared TypeScript
 * validation first (so error messages are identical on every backend; an async form rejects), then
 * the addon, which checks its arguments again before touching memory.
 */
import { hostCorpus } from './corpus';
import type { NativeAddon } from './load';
import { asyncName, buildKernels, call, KERNEL_CHECKS } from './list';
import { rejectOnThrow } from './promise';
import type { CorpusArgs, Kernels } from './types';

/** The addon's kernels behind validation, without createCorpus. */
export function wrapAddonKernels(addon: NativeAddon, name: 'cpu' | 'cuda'): Kernels {
  return {
    name,
    ...buildKernels(
      (k) => (a) => {
        KERNEL_CHECKS[k](k, a);
        return call(addon, k, a);
      },
      (k) => rejectOnThrow((a) => KERNEL_CHECKS[k](k, a), (_, a) => call(addon, asyncName(k), a) as Promise<unknown>),
    ),
  };
}

/** wrapAddonKernels plus the host corpus handle (the cpu backend). */
export function wrapAddon(addon: NativeAddon, name: 'cpu' | 'cuda'): Kernels {
  const K = wrapAddonKernels(addon, name);
  K.createCorpus = (a: CorpusArgs) => hostCorpus(K, a);
  return K;
}
