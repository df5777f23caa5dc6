/**
 * TensorFlow.js backend choice for the policy and the trainer. Order: tfjs-node-gpu > tfjs-node >
 * wasm (SIMD; the default on machines where tfjs-node cannot install) > cpu. tfjs-node and
 * tfjs-node-gpu are optional dependencies: used only when `require` resolves them.
 * REINPOOL_TF_BACKEND = auto | node-gpu | node | wasm | cpu forces one (falling back down the order).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export type TfBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface TfBackendInfo {
  /** tfjs backend in use: 'tensorflow' (tfjs-node or -gpu), 'wasm' or 'cpu' */
  backend: string;
  /** which package provides it */
  provider: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node' | '@tensorflow/tfjs-backend-wasm' | '@tensorflow/tfjs';
  /** why each candidate before it was skipped */
  skipped: Record<string, string>;
}

let ready: Promise<TfBackendInfo> | null = null;
let info: TfBackendInfo | null = null;

function tryRequire(name: string): { ok: boolean; reason: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- probes an optional peer dependency by name, synchronously: the load is the test
    require(name);
    return { ok: true, reason: '' };
  } catch (e) {
    return { ok: false, reason: `${name} not installed or failed to load (${(e as Error).message.split('\n')[0]})` };
  }
}

/** The directory holding tfjs-backend-wasm's .wasm files, with a trailing separator. */
export function wasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
}

async function choose(): Promise<TfBackendInfo> {
  const req = (process.env.REINPOOL_TF_BACKEND ?? 'auto').trim().toLowerCase() || 'auto';
  const order = ['node-gpu', 'node', 'wasm', 'cpu'];
  if (req !== 'auto' && !order.includes(req)) {
    throw new RangeError(`REINPOOL_TF_BACKEND must be one of auto, ${order.join(', ')}; got '${req}'`);
  }
  const candidates = req === 'auto' ? order : order.slice(order.indexOf(req));
  const skipped: Record<string, string> = {};
  for (const c of candidates) {
    if (c === 'node-gpu' || c === 'node') {
      const pkg = c === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      const r = tryRequire(pkg);
      if (!r.ok) { skipped[c] = r.reason; continue; }
      if (await tf.setBackend('tensorflow').catch(() => false)) {
        await tf.ready();
        return { backend: 'tensorflow', provider: pkg as TfBackendInfo['provider'], skipped };
      }
      skipped[c] = `${pkg} loaded but the 'tensorflow' backend did not initialise`;
    } else if (c === 'wasm') {
      try {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(wasmDir());
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          return { backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', skipped };
        }
        skipped[c] = 'wasm backend did not initialise';
      } catch (e) {
        skipped[c] = `wasm backend failed: ${(e as Error).message.split('\n')[0]}`;
      }
    } else {
      await tf.setBackend('cpu');
      await tf.ready();
      return { backend: 'cpu', provider: '@tensorflow/tfjs', skipped };
    }
  }
  /* istanbul ignore next */
  throw new Error('reinpool: no TensorFlow.js backend could start');
}

/** Picks and initialises the tfjs backend once (later calls return the same promise). */
export function initTf(): Promise<TfBackendInfo> {
  if (!ready) {
    ready = choose().then((i) => {
      info = i;
      return i;
    });
  }
  return ready;
}

/** The chosen backend (for `reinpool info`), or null before initTf() resolved. */
export function tfBackendInfo(): TfBackendInfo | null {
  return info;
}

export { tf };
