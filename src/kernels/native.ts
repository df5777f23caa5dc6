/**
 * The native backends (reinpool_cpu.node, reinpool_cuda.node), one job per module:
 *   load.ts           finding and loading the binary (lookup order, never throws), NativeAddon's type
 *   list.ts           the one list of kernels and their validators that the wrappers derive from
 *   wrap.ts           validation in front of the addon (sync throws, async rejects)
 *   retry.ts          device error or bad argument; rerunning a failed call on the host
 *   fallback.ts       cuda's runtime fallback to cpu/ts with one REINPOOL_FALLBACK warning
 *   device-corpus.ts  the device-resident corpus handle behind validation and the fallback
 *   probe.ts          loadNativeBackend: load, ask available(), wrap; cached, never throws
 * This module only re-exports them (the names select.ts, `reinpool info`, the tests and the
 * benchmarks import). Nothing here imports from npm or from the rest of reinpool.
 */
export { loadNativeAddon, nativeCandidates } from './load';
export type { NativeAddon, NativeCorpus, NativeFlavor, NativeInfo, NativeLoad } from './load';
export { wrapAddon } from './wrap';
export { _resetFallbackWarning, isDeviceError, withDeviceFallback } from './fallback';
export { loadNativeBackend } from './probe';
export type { NativeBackend } from './probe';
