/**
 * The native backends as Kernels: loads an addon (load.ts), asks it whether it can run, wraps it
 * (wrap.ts) and, for cuda, puts the runtime fallback behind it (fallback.ts). Cached; never throws:
 * an unusable backend comes back as { kernels: null, status: { available: false, reason } }.
 */
import { withDeviceFallback } from './fallback';
import { loadNativeAddon } from './load';
import type { NativeFlavor } from './load';
import { tsKernels } from './ts';
import type { BackendStatus, Kernels } from './types';
import { wrapAddon, wrapAddonKernels } from './wrap';

export interface NativeBackend { kernels: Kernels | null; status: BackendStatus }

/** The backend cuda falls back to: the CPU addon when it loads, else TypeScript. */
function cudaFallback(): Kernels {
  return loadNativeBackend('cpu').kernels ?? tsKernels;
}

const backends = new Map<NativeFlavor, NativeBackend>();

/**
 * The native backend of the given flavor, or null with the reason it is unavailable (file missing,
 * load error, or for cuda: no device / driver, i.e. the addon loads but its init() fails). Cached;
 * never throws. The cuda kernels come with the runtime fallback of fallback.ts.
 */
export function loadNativeBackend(flavor: NativeFlavor): NativeBackend {
  let b = backends.get(flavor);
  if (!b) {
    b = probeNativeBackend(flavor);
    backends.set(flavor, b);
  }
  return b;
}

function probeNativeBackend(flavor: NativeFlavor): NativeBackend {
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
