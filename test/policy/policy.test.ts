import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tsKernels } from '../../src/kernels/ts';
import type { MultiVectorSet } from '../../src/kernels/types';
import {
  compress, compressAsync, initTf, keepLogits, loadPolicy, padBatch, Policy, savePolicy, selectMasks, tfBackendInfo,
} from '../../src/policy';
import { Rng } from '../../src/random';
import { tf } from '../../src/policy/backend';

function randomSet(lengths: number[], dim: number, seed = 1): MultiVectorSet {
  const rng = new Rng(seed);
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((l, i) => { offsets[i + 1] = offsets[i] + l; });
  const vectors = Float32Array.from({ length: offsets[lengths.length] * dim }, () => rng.normal());
  return { dim, vectors, offsets };
}

function logitsOf(p: Policy, set: MultiVectorSet, docs: number[]): { z: Float32Array; T: number } {
  const b = padBatch(set, docs);
  const z = tf.tidy(() => p.logits(tf.tensor3d(b.x, [b.B, b.T, b.D]), tf.tensor2d(b.mask, [b.B, b.T])));
  const out = z.dataSync() as Float32Array;
  z.dispose();
  return { z: out, T: b.T };
}

beforeAll(async () => {
  await initTf();
});

describe('tfjs backend', () => {
  test('a backend is chosen and reported', () => {
    const info = tfBackendInfo();
    expect(info).not.toBeNull();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info!.backend);
    expect(tf.getBackend()).toBe(info!.backend);
    // CI's second pass (REINPOOL_TF_BACKEND=node) must really run on tensorflow, not fall back to wasm
    if (process.env.REINPOOL_TEST_TF_BACKEND) expect(info!.backend).toBe(process.env.REINPOOL_TEST_TF_BACKEND);
  });
});

describe('policy gradients', () => {
  // on wasm every layer's gradients are computed by their own rule (network.ts, dense): they must
  // give what tfjs's plain cpu backend, the reference, gives with tf.matMul's own gradient
  test.each([
    ['mlp, one hidden layer', { type: 'mlp' as const, layers: 1 }, 4], // mlp0.w, mlp0.b, head.w, head.b
    ['mlp, two hidden layers', { type: 'mlp' as const, layers: 2 }, 6],
    ['transformer', { type: 'transformer' as const, layers: 1, heads: 2 }, 19], // in, one block of 13, final norm, head
  ])('%s: weight gradients of a loss on the logits match the cpu backend\'s', async (_name, cfg, params) => {
    const dim = 8;
    const set = randomSet([3, 7, 1, 5], dim, 2);
    const b = padBatch(set, [0, 1, 2, 3]);
    const gradsOn = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const p = new Policy({ ...cfg, dim, hidden: 16, seed: 5 });
      const x = tf.tensor3d(b.x, [b.B, b.T, b.D]);
      const mask = tf.tensor2d(b.mask, [b.B, b.T]);
      const { value, grads } = tf.variableGrads(() => p.logits(x, mask).mul(mask).square().sum<tf.Scalar>());
      const out = Object.values(grads).map((g) => g.dataSync() as Float32Array);
      tf.dispose([value, x, mask, ...Object.values(grads)]);
      p.dispose();
      return out;
    };
    const used = tf.getBackend();
    const got = await gradsOn(used);
    const ref = await gradsOn('cpu');
    await tf.setBackend(used);
    expect(got).toHaveLength(params);
    got.forEach((g, i) => {
      const scale = Math.max(...Array.from(ref[i], Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let k = 0; k < g.length; k++) expect(Math.abs(g[k] - ref[i][k])).toBeLessThan(1e-4 * scale);
    });
  });
});

describe.each(['mlp', 'transformer'] as const)('%s policy', (type) => {
  const dim = 8;
  const set = randomSet([3, 7, 1, 5], dim);
  const cfg = { type, dim, hidden: 16, heads: 2, seed: 3 };

  test('logits have shape [B, T] and padding never changes a real vector\'s logit', () => {
    const p = new Policy(cfg);
    const batched = logitsOf(p, set, [0, 1, 2, 3]);
    expect(batched.T).toBe(7);
    expect(batched.z.length).toBe(4 * 7);
    for (let d = 0; d < 4; d++) {
      const alone = logitsOf(p, set, [d]);
      const n = set.offsets[d + 1] - set.offsets[d];
      for (let t = 0; t < n; t++) expect(batched.z[d * 7 + t]).toBeCloseTo(alone.z[t], 5);
    }
    // changing padding contents (a different co-batched long doc) does not change doc 0's logits
    const other = logitsOf(p, randomSet([3, 7, 1, 5], dim, 9), [1]);
    expect(other.z.length).toBe(7);
    p.dispose();
  });

  test('initial keep probability is near initKeepProb', () => {
    const p = new Policy({ ...cfg, initKeepProb: 0.8 });
    const z = keepLogits(p, set);
    for (const v of z) expect(1 / (1 + Math.exp(-v))).toBeGreaterThan(0.7);
    p.dispose();
  });

  test('seeded initialisation is reproducible; save/load round-trips exactly', () => {
    const a = new Policy(cfg);
    const b = new Policy(cfg);
    const c = new Policy({ ...cfg, seed: 4 });
    const wa = a.getWeights();
    for (const [k, v] of b.getWeights()) expect(Array.from(v.data)).toEqual(Array.from(wa.get(k)!.data));
    expect(Array.from(c.getWeights().get(type === 'mlp' ? 'mlp0.w' : 'in.w')!.data)).not.toEqual(Array.from(wa.get(type === 'mlp' ? 'mlp0.w' : 'in.w')!.data));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-pol-'));
    savePolicy(a, dir);
    const l = loadPolicy(dir);
    expect(l.config).toEqual(a.config);
    expect(Array.from(keepLogits(l, set))).toEqual(Array.from(keepLogits(a, set)));
    for (const p of [a, b, c, l]) p.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('selection and compress', () => {
  test('threshold, top-k, ratio, and fallback to the most probable vector', () => {
    const offsets = Int32Array.from([0, 3, 7, 7]);
    const z = Float32Array.from([-1, 2, 0.5, -3, -1, -0.5, -2]);
    expect(Array.from(selectMasks(z, offsets))).toEqual([0, 1, 1, 0, 0, 1, 0]); // doc 1: none > 0 -> argmax (-0.5)
    expect(Array.from(selectMasks(z, offsets, { select: 'topk', topK: 1 }))).toEqual([0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(selectMasks(z, offsets, { select: 'ratio', ratio: 0.5 }))).toEqual([0, 1, 1, 0, 1, 1, 0]);
    expect(Array.from(selectMasks(z, offsets, { threshold: 0.9 }))).toEqual([0, 1, 0, 0, 0, 1, 0]);
    expect(() => selectMasks(z, offsets, { select: 'topk' })).toThrow(/topK/);
  });

  test('compress = L2-normalised pool of the selection, chunked or not; async form agrees', async () => {
    const dim = 6;
    const set = randomSet([4, 9, 1, 12, 3, 6], dim, 5);
    const p = new Policy({ dim, hidden: 8, seed: 1, initKeepProb: 0.5, headInitStd: 1 });
    const v = compress(p, set, { kernels: tsKernels });
    expect(v.length).toBe(6 * dim);
    for (let d = 0; d < 6; d++) {
      let n = 0;
      for (let j = 0; j < dim; j++) n += v[d * dim + j] ** 2;
      expect(Math.sqrt(n)).toBeCloseTo(1, 5);
    }
    const masks = selectMasks(keepLogits(p, set), set.offsets);
    expect(Array.from(v)).toEqual(Array.from(tsKernels.poolMasked({ docs: set, masks, groups: 1 })));
    const small = compress(p, set, { kernels: tsKernels, maxBatchVectors: 12 });
    for (let i = 0; i < v.length; i++) expect(small[i]).toBeCloseTo(v[i], 5);
    const a = await compressAsync(p, set, { kernels: tsKernels, maxBatchVectors: 12 });
    expect(Array.from(a)).toEqual(Array.from(small));
    expect(() => compress(p, randomSet([2], 5), { kernels: tsKernels })).toThrow(/dim/);
    p.dispose();
  });
});

describe('Rng', () => {
  test('seeded, and the state restores the stream exactly', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
    const s = a.state();
    const x = [a.next(), a.normal(), a.int(10)];
    const c = Rng.fromState(s);
    expect([c.next(), c.normal(), c.int(10)]).toEqual(x);
    expect(new Rng(1).next()).not.toBe(new Rng(2).next());
    expect(Array.from(new Rng(3).permutation(10)).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
