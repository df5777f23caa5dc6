/**
 * TensorFlow.js backend choice for the policy and the trainer. Order: tfjs-node-gpu > tfjs-node >
 * wasm (SIMD; the default on machines without tfjs-node) > cpu. tfjs-node and tfjs-node-gpu are
 * optional peer dependencies, used only when `require` resolves them; `npm run setup:tfjs-node`
 * (scripts/setup-tfjs-node.js) installs tfjs-node, offline from a TensorFlow wheel where needed.
 * REINPOOL_TF_BACKEND = auto | node-gpu | node | wasm | cpu forces one (falling back down the order).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { packageRoot } from '../io/fsutil';

export type TfBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

type NodePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export interface TfBackendInfo {
  /** tfjs backend in use: 'tensorflow' (tfjs-node or -gpu), 'wasm' or 'cpu' */
  backend: string;
  /** which package provides it */
  provider: NodePackage | '@tensorflow/tfjs-backend-wasm' | '@tensorflow/tfjs';
  /** why each candidate before it was skipped */
  skipped: Record<string, string>;
  /** a tfjs-node package that is installed but does not load: why, and the command that fixes it */
  unusable?: { package: NodePackage; reason: string; fix: string };
}

/** The command that (re)builds tfjs-node here: the npm script in a reinpool checkout, the script's path otherwise. */
export function setupCommand(): string {
  const root = packageRoot();
  if (!root) return 'node node_modules/reinpool/scripts/setup-tfjs-node.js';
  const inCheckout = !root.split(path.sep).includes('node_modules') && path.resolve(process.cwd()) === root;
  return inCheckout ? 'npm run setup:tfjs-node' : `node ${path.relative(process.cwd(), path.join(root, 'scripts', 'setup-tfjs-node.js'))}`;
}

let ready: Promise<TfBackendInfo> | null = null;
let info: TfBackendInfo | null = null;

type Probe = { ok: true } | { ok: false; installed: boolean; reason: string };

/** Loads an optional tfjs-node package; tells "not installed" from "installed but failed to load". */
function tryRequire(name: NodePackage): Probe {
  // TensorFlow logs every start (CPU features, thread pools) to stderr; quiet unless the user chose a level
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  let installed = true;
  try {
    require.resolve(`${name}/package.json`);
  } catch {
    installed = false;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- probes an optional peer dependency by name, synchronously: the load is the test
    require(name);
    return { ok: true };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return { ok: false, installed, reason: installed ? `${name} is installed but does not load (${msg})` : `${name} not installed` };
  }
}

/** tfjs-node-gpu needs CUDA's libraries, which the setup script does not stage: its fix is its own install. */
function fixFor(pkg: NodePackage): string {
  return pkg === '@tensorflow/tfjs-node' ? setupCommand() : `npm rebuild ${pkg} (needs libtensorflow with CUDA; see its README)`;
}

/** The directory holding tfjs-backend-wasm's .wasm files, with a trailing separator. */
export function wasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
}

const ORDER = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type TfBackendRequest = (typeof ORDER)[number];

const PROVIDER = {
  'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node', wasm: '@tensorflow/tfjs-backend-wasm', cpu: '@tensorflow/tfjs',
} as const;

let wasmPathsSet = false;

/** Starts one candidate and makes it the current backend; the reason it could not, or null. */
async function start(c: TfBackendRequest): Promise<{ reason: string; unusable?: TfBackendInfo['unusable'] } | null> {
  if (c === 'node-gpu' || c === 'node') {
    const pkg = PROVIDER[c];
    const r = tryRequire(pkg);
    if (!r.ok) return { reason: r.reason, unusable: r.installed ? { package: pkg, reason: r.reason, fix: fixFor(pkg) } : undefined };
    if (await tf.setBackend('tensorflow').catch(() => false)) return null;
    const reason = `${pkg} loaded but the 'tensorflow' backend did not initialise`;
    return { reason, unusable: { package: pkg, reason, fix: fixFor(pkg) } };
  }
  if (c === 'wasm') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (!wasmPathsSet) wasm.setWasmPaths(wasmDir()); // allowed once, before the backend first starts
      wasmPathsSet = true;
      return (await tf.setBackend('wasm')) ? null : { reason: 'wasm backend did not initialise' };
    } catch (e) {
      return { reason: `wasm backend failed: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  await tf.setBackend('cpu');
  return null;
}

async function choose(): Promise<TfBackendInfo> {
  const req = (process.env.REINPOOL_TF_BACKEND ?? 'auto').trim().toLowerCase() || 'auto';
  if (req !== 'auto' && !(ORDER as readonly string[]).includes(req)) {
    throw new RangeError(`REINPOOL_TF_BACKEND must be one of auto, ${ORDER.join(', ')}; got '${req}'`);
  }
  const candidates = req === 'auto' ? ORDER : ORDER.slice(ORDER.indexOf(req as TfBackendRequest));
  const skipped: Record<string, string> = {};
  let unusable: TfBackendInfo['unusable'];
  for (const c of candidates) {
    const failed = await start(c);
    if (!failed) {
      await tf.ready();
      return { backend: tf.getBackend(), provider: PROVIDER[c], skipped, ...(unusable ? { unusable } : {}) };
    }
    skipped[c] = failed.reason;
    unusable ??= failed.unusable;
  }
  /* istanbul ignore next */
  throw new Error('reinpool: no TensorFlow.js backend could start');
}

/**
 * Switches the running process to one backend (after initTf), for measurements and parity checks
 * that compare backends in one process; throws with the reason when it cannot start.
 * Tensors and variables made before the switch stay usable (tfjs moves their data on first use).
 */
export async function switchTfBackend(c: TfBackendRequest): Promise<TfBackendInfo> {
  await initTf();
  const failed = await start(c);
  if (failed) throw new Error(`cannot switch TensorFlow.js to '${c}': ${failed.reason}`);
  await tf.ready();
  info = { backend: tf.getBackend(), provider: PROVIDER[c], skipped: {} };
  return info;
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
