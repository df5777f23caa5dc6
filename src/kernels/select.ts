/**
 * Backend choice. REINPOOL_BACKEND = auto | cuda | cpu | ts (default auto). auto takes cuda when the
 * CUDA addon loads and a device answers, else cpu when the CPU addon loads, else ts. A backend that
 * was asked for and cannot run falls back down that same order with one warning; nothing here runs
 * at import time, and nothing here throws except for an invalid REINPOOL_BACKEND value.
 */
import { loadNativeBackend } from './native';
import { tsKernels } from './ts';
import type { BackendName, BackendStatus, Kernels } from './types';

const ORDER: BackendName[] = ['cuda', 'cpu', 'ts'];

export interface BackendReport {
  backend: BackendName;
  requested: string;
  backends: Record<BackendName, BackendStatus>;
}

interface Probe { kernels: Kernels | null; status: BackendStatus }

const probes = new Map<BackendName, Probe>();

function probe(name: BackendName): Probe {
  let p = probes.get(name);
  if (!p) {
    p = name === 'ts'
      ? { kernels: tsKernels, status: { available: true, reason: 'pure TypeScript, always available' } }
      : loadNativeBackend(name);
    probes.set(name, p);
  }
  return p;
}

function requestedBackend(): 'auto' | BackendName {
  const v = (process.env.REINPOOL_BACKEND ?? 'auto').trim().toLowerCase() || 'auto';
  if (v === 'auto' || v === 'cuda' || v === 'cpu' || v === 'ts') return v;
  throw new RangeError(`REINPOOL_BACKEND must be one of auto, cuda, cpu, ts; got '${process.env.REINPOOL_BACKEND}'`);
}

let chosen: Kernels | null = null;

/** The kernels of the best available backend (cached after the first call). */
export function getKernels(): Kernels {
  if (chosen) return chosen;
  const requested = requestedBackend();
  const candidates = requested === 'auto' ? ORDER : ORDER.slice(ORDER.indexOf(requested));
  for (const name of candidates) {
    const p = probe(name);
    if (!p.kernels) continue;
    chosen = p.kernels;
    const wanted = requested === 'auto' ? (name === 'ts' ? 'cpu' : null) : requested;
    if (wanted && wanted !== name) {
      const why = probe(wanted).status.reason;
      process.emitWarning(`reinpool: using the ${name} backend because ${wanted} is unavailable (${why})`, { code: 'REINPOOL_FALLBACK' });
    }
    return chosen;
  }
  /* istanbul ignore next: ts is always available */
  throw new Error('reinpool: no kernel backend available');
}

/** A specific backend's kernels, or null with the reason in backendReport(). */
export function kernelsFor(name: BackendName): Kernels | null {
  return probe(name).kernels;
}

/** What `reinpool info` prints: the chosen backend and why each other one was or was not usable. */
export function backendReport(): BackendReport {
  const backends = {} as Record<BackendName, BackendStatus>;
  for (const name of ORDER) backends[name] = probe(name).status;
  return { backend: getKernels().name, requested: process.env.REINPOOL_BACKEND ?? 'auto', backends };
}
