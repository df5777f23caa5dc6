/**
 * Telling a device failure from a bad argument, and rerunning a failed device call on the host.
 * Used by the cuda fallback (fallback.ts) and the device corpus handle (device-corpus.ts).
 */

/** Whether an error is a device failure (fall back) rather than a bad argument (rethrow). */
export function isDeviceError(e: unknown): boolean {
  if (e === null || typeof e !== 'object') return false;
  const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
  if (name === 'TypeError' || name === 'RangeError') return false;
  if (typeof code === 'string' && code.startsWith('ERR_REINPOOL_')) return true;
  return typeof message === 'string' && /cuda unavailable|cuda error in|backend unavailable/.test(message);
}

/** Reports a device failure of `what`: returns normally when the call should be rerun on the host. */
export type OnDeviceFailure = (what: string, e: unknown) => void;

/** Runs `device(a)`; a device error goes to `failed` and the call is rerun by `host(a)`. */
export function syncWithFallback<A, R>(what: string, device: (a: A) => R, host: (a: A) => R, failed: OnDeviceFailure): (a: A) => R {
  return (a: A) => {
    try {
      return device(a);
    } catch (e) {
      if (!isDeviceError(e)) throw e;
      failed(what, e);
      return host(a);
    }
  };
}

/** The async form of syncWithFallback: a device rejection reruns the call on `host`. */
export function asyncWithFallback<A, R>(what: string, device: (a: A) => Promise<R>, host: (a: A) => Promise<R>,
  failed: OnDeviceFailure): (a: A) => Promise<R> {
  return (a: A) => device(a).catch((e: unknown) => {
    if (!isDeviceError(e)) throw e;
    failed(what, e);
    return host(a);
  });
}

