/**
 * Native policy inference (kernels.mlpCompress) against the TensorFlow.js policy: keep-probabilities
 * within 1e-5 and selections identical except at near-ties of the selection rule
 * (testing/kernels/mlp.ts says exactly which), on trained-looking random weights, ragged documents
 * (including length 1 and empty), every select rule, mean and max; on the cpu addon and the ts
 * kernels. Also: the tfjs-free loader of a saved policy, compress()'s engines, the bad-argument
 * messages, and `reinpool compress --engine native` = `--engine tfjs`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { getKernels } from '../../src/kernels';
import { loadNativeAddon, loadNativeBackend } from '../../src/kernels/native';
import { tsKernels } from '../../src/kernels/ts';
import type { Kernels, MlpCompressArgs, MlpCompressResult, MlpPolicyWeights } from '../../src/kernels/types';
import {
  compress, compressAsync, compressEngine, initTf, keepLogits, loadMlpPolicy, mlpWeightsFromMap, Policy, savePolicy, selectMasks,
} from '../../src/policy';
import type { WeightMap } from '../../src/policy';
import { docLengths, ragged, seedRandom } from '../../testing/kernels/helpers';
import { mlpCaseMismatches, mlpMismatches, randomMlp } from '../../testing/kernels/mlp';
import { cli, rmrf } from '../cli/helpers';

const seed = Number(process.env.REINPOOL_TEST_SEED ?? (Date.now() % 0x7fffffff));
const cpu = loadNativeBackend('cpu').kernels;
const backends: Array<[string, Kernels]> = [['ts', tsKernels], ...(cpu ? [['cpu', cpu] as [string, Kernels]] : [])];

/** A Policy (tfjs) holding the given MLP weights. */
function policyOf(w: MlpPolicyWeights, seedCfg = 0): Policy {
  const m: WeightMap = new Map();
  for (let l = 0; l < w.layers; l++) {
    m.set(`mlp${l}.w`, { shape: [l === 0 ? 3 * w.dim + 3 : w.hidden, w.hidden], data: w.layerWeights[l] });
    m.set(`mlp${l}.b`, { shape: [w.hidden], data: w.layerBiases[l] });
  }
  m.set('head.w', { shape: [w.hidden, 1], data: w.headWeights });
  m.set('head.b', { shape: [1], data: Float32Array.of(w.headBias) });
  return new Policy({ dim: w.dim, hidden: w.hidden, layers: w.layers, seed: seedCfg }, m);
}

/** The tfjs engine's result for the same arguments: tfjs logits, selectMasks, poolMasked. */
function tfjsEngine(p: Policy, a: MlpCompressArgs, K: Kernels): MlpCompressResult {
  const logits = keepLogits(p, a.docs, 2048);
  const masks = selectMasks(logits, a.docs.offsets, a);
  const vectors = K.poolMasked({ docs: a.docs, masks, groups: 1, mode: a.pool, normalize: a.normalize });
  return { vectors, logits, masks };
}

beforeAll(async () => {
  await initTf();
  seedRandom(seed);
});

describe(`mlpCompress vs the tfjs policy (seed ${seed}, REINPOOL_TEST_SEED to replay)`, () => {
  const shapes: Array<[number, number, number]> = [[100, 64, 1], [128, 64, 1], [17, 33, 2], [3, 8, 3]];
  for (const [name, K] of backends) {
    for (const [dim, hidden, layers] of shapes) {
      test(`${name}: dim ${dim}, hidden ${hidden}, layers ${layers}; every select rule, mean|max`, () => {
        const docs = ragged(docLengths(40, dim === 17), dim);
        const w = randomMlp(dim, hidden, layers);
        const p = policyOf(w);
        try {
          expect(mlpCaseMismatches((a) => K.mlpCompress(a), (a) => tfjsEngine(p, a, K), docs, w, `${name} vs tfjs`)).toEqual([]);
        } finally {
          p.dispose();
        }
      });
    }
  }

  test('the cpu addon is built (set REINPOOL_ALLOW_NO_NATIVE=1 to skip locally)', () => {
    if (process.env.REINPOOL_ALLOW_NO_NATIVE !== '1') expect(cpu).not.toBeNull();
  });
});

describe('compress engines', () => {
  test("native by default for an MLP on an addon; 'tfjs' on request, on the ts kernels or for a transformer; the two agree", async () => {
    const dim = 24;
    const docs = ragged([1, 0, 7, 33, 2, 12], dim);
    const w = randomMlp(dim, 16, 1);
    const p = policyOf(w);
    const t = new Policy({ type: 'transformer', dim, hidden: 8, heads: 2 });
    try {
      expect(compressEngine(p, { kernels: cpu ?? tsKernels })).toBe(cpu ? 'native' : 'tfjs');
      expect(compressEngine(p, { kernels: tsKernels })).toBe('tfjs'); // the ts reference MLP is slower than tfjs
      expect(compressEngine(p, { kernels: tsKernels, engine: 'native' })).toBe('native');
      expect(compressEngine(p, { engine: 'tfjs' })).toBe('tfjs');
      expect(compressEngine(t)).toBe('tfjs');
      expect(() => compressEngine(p, { engine: 'gpu' as 'tfjs' })).toThrow(/engine/);
      for (const opts of [{}, { select: 'topk' as const, topK: 2, pool: 'max' as const }, { select: 'ratio' as const, ratio: 0.3 }]) {
        const args = { docs, policy: w, ...opts };
        const native = compress(p, docs, { ...opts, engine: 'native', kernels: tsKernels });
        const viaTf = compress(p, docs, { ...opts, engine: 'tfjs', kernels: tsKernels });
        const want = tfjsEngine(p, args, tsKernels);
        expect(Array.from(viaTf)).toEqual(Array.from(want.vectors));
        expect(mlpMismatches({ ...want, vectors: native }, want, args, 'compress native')).toEqual([]);
        expect(Array.from(await compressAsync(p, docs, { ...opts, engine: 'native', kernels: tsKernels }))).toEqual(Array.from(native));
      }
      expect(() => compress(p, docs, { select: 'topk', engine: 'native' })).toThrow(/topK/);
      expect(compress(t, docs).length).toBe(6 * dim);
    } finally {
      p.dispose();
      t.dispose();
    }
  });

  test('loadMlpPolicy reads a saved policy without tfjs; a transformer has no native weights', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-mlp-'));
    const p = new Policy({ dim: 10, hidden: 12, layers: 2, headInitStd: 1 });
    const t = new Policy({ type: 'transformer', dim: 10, hidden: 8, heads: 2 });
    try {
      savePolicy(p, path.join(dir, 'mlp'));
      savePolicy(t, path.join(dir, 'tr'));
      const w = loadMlpPolicy(path.join(dir, 'mlp'));
      expect(w).toEqual(mlpWeightsFromMap(p.config, p.getWeights()));
      expect(w.layerWeights[0].length).toBe(33 * 12);
      expect(w.layerWeights[1].length).toBe(12 * 12);
      expect(() => loadMlpPolicy(path.join(dir, 'tr'))).toThrow(/transformer policy has no native inference/);
      const m = p.getWeights();
      const keep = m.get('mlp1.w')!;
      m.set('mlp1.w', { shape: [12, 11], data: new Float32Array(132) });
      expect(() => mlpWeightsFromMap(p.config, m)).toThrow(/'mlp1.w' has shape \[12,11\], expected \[12,12\]/);
      m.set('mlp1.w', keep);
      m.delete('head.b');
      expect(() => mlpWeightsFromMap(p.config, m)).toThrow(/lack 'head.b'/);
    } finally {
      p.dispose();
      t.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mlpCompress rejects bad arguments, naming them (every backend)', () => {
  const docs = ragged([3, 0, 5], 6);
  const good = randomMlp(6, 4, 2);
  const cases: Array<[string, (w: MlpPolicyWeights) => unknown, Partial<MlpCompressArgs>, RegExp]> = [
    ['dim mismatch', (w) => ({ ...w, dim: 5, layerWeights: [new Float32Array(18 * 4), w.layerWeights[1]] }), {}, /mlpCompress: policy.dim is 5 but docs.dim is 6/],
    ['layer 0 shape', (w) => ({ ...w, layerWeights: [new Float32Array(20 * 4), w.layerWeights[1]] }), {},
      /mlpCompress: policy.layerWeights\[0\] has 80 values, expected \(3 x dim 6 \+ 3 = 21\) x hidden 4 = 84/],
    ['layer 1 shape', (w) => ({ ...w, layerWeights: [w.layerWeights[0], new Float32Array(12)] }), {}, /policy.layerWeights\[1\] has 12 values, expected hidden 4 x hidden 4 = 16/],
    ['layer count', (w) => ({ ...w, layerBiases: [w.layerBiases[0]] }), {}, /policy.layerBiases has 1 entries for policy.layers 2/],
    ['bias type', (w) => ({ ...w, layerBiases: [w.layerBiases[0], [0, 0, 0, 0]] }), {}, /policy.layerBiases\[1\] must be a Float32Array/],
    ['head shape', (w) => ({ ...w, headWeights: new Float32Array(5) }), {}, /policy.headWeights has 5 values, expected hidden 4 = 4/],
    ['NaN weight', (w) => ({ ...w, headWeights: Float32Array.of(1, NaN, 0, 0) }), {}, /policy.headWeights\[1\] is not finite/],
    ['head bias', (w) => ({ ...w, headBias: '1' }), {}, /policy.headBias must be a number/],
    ['hidden', (w) => ({ ...w, hidden: 0 }), {}, /policy.hidden must be in \[1, 65536\], got 0/],
    ['policy', () => null, {}, /mlpCompress: policy must be an object/],
    ['select', (w) => w, { select: 'best' as 'topk' }, /select must be 'threshold', 'topk' or 'ratio'/],
    ['threshold', (w) => w, { threshold: 1 }, /threshold must be in \(0, 1\)/],
    ['topK', (w) => w, { select: 'topk' }, /topK must be an integer/],
    ['ratio', (w) => w, { select: 'ratio', ratio: 0 }, /ratio must be in \(0, 1\]/],
    ['pool', (w) => w, { pool: 'sum' as 'max' }, /pool must be 'mean' or 'max'/],
  ];
  const raw = cpu ? loadNativeAddon('cpu').addon : null;
  for (const [what, bad, extra, re] of cases) {
    test(what, async () => {
      const args = { docs, policy: bad(good), ...extra } as MlpCompressArgs;
      for (const [, K] of backends) {
        expect(() => K.mlpCompress(args)).toThrow(re);
        await expect(K.mlpCompressAsync(args)).rejects.toThrow(re);
      }
      // the addon itself checks before touching memory (same argument named)
      if (raw) expect(() => raw.mlpCompress(args)).toThrow(/mlpCompress: /);
    });
  }
  test('docs.vectors must match the offsets', () => {
    expect(() => getKernels().mlpCompress({ docs: { ...docs, vectors: new Float32Array(7) }, policy: good })).toThrow(/docs.vectors has 7 values/);
  });
});

describe('reinpool compress --engine native = --engine tfjs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-cli-mlp-'));
  afterAll(() => rmrf(dir));

  test('a small trained policy on ragged documents, streamed and whole', async () => {
    const io = await import('../../src/io');
    const dim = 16;
    seedRandom(seed + 1);
    const docs = ragged([...docLengths(60, false), 1, 1], dim);
    const docsFile = path.join(dir, 'docs.safetensors');
    io.writeMultiVectors(docsFile, docs);
    // a few GRPO steps: synthetic queries are spans of each document's vectors
    const rows: number[] = [];
    const qOff = [0];
    const ids: string[] = [];
    const n = docs.offsets.length - 1;
    const docIds = Array.from({ length: n }, (_, i) => `d${i}`);
    io.writeMultiVectors(docsFile, { ...docs, ids: docIds });
    for (let d = 0; d < n; d++) {
      const a = docs.offsets[d];
      const len = docs.offsets[d + 1] - a;
      if (len === 0) continue;
      for (let t = 0; t < Math.min(len, 4); t++) rows.push(a + t);
      qOff.push(rows.length);
      ids.push(docIds[d]);
    }
    const qv = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => qv.set(docs.vectors.subarray(r * dim, (r + 1) * dim), i * dim));
    const syn = path.join(dir, 'syn.safetensors');
    io.writeMultiVectors(syn, { dim, vectors: qv, offsets: Int32Array.from(qOff), ids });
    const tr = await cli('train', '--docs', docsFile, '--synthetic', syn, '--out', path.join(dir, 'run'), '--steps', '3', '--batch-docs', '8',
      '--group-size', '4', '--eval-every', '0', '--seed', '1', '-q');
    expect(tr.stderr).toBe('');
    expect(tr.code).toBe(0);
    const policy = path.join(dir, 'run', 'policy');
    const outs: Record<string, Float32Array> = {};
    for (const engine of ['native', 'tfjs']) {
      for (const extra of [[], ['--no-stream'], ['--keep-top-k', '3', '--pool', 'max']]) {
        const out = path.join(dir, `${engine}${extra.join('')}.safetensors`);
        const r = await cli('compress', '--policy', policy, '--docs', docsFile, '--out', out, '--engine', engine, '--chunk', '9', ...extra, '-q');
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        outs[`${engine}${extra.join('')}`] = io.loadMultiVectors({ file: out }).vectors;
      }
    }
    for (const extra of ['', '--no-stream', '--keep-top-k3--poolmax']) {
      const a = outs[`native${extra}`];
      const b = outs[`tfjs${extra}`];
      expect(a.length).toBe(n * dim);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-5);
    }
    // a transformer policy asked for natively: one message, then the tfjs engine
    const t = new Policy({ type: 'transformer', dim, hidden: 8, heads: 2 });
    savePolicy(t, path.join(dir, 'tr'));
    t.dispose();
    const tr2 = await cli('compress', '--policy', path.join(dir, 'tr'), '--docs', docsFile, '--out', path.join(dir, 'tr.safetensors'), '--engine', 'native', '-q');
    expect(tr2.code).toBe(0);
    expect(tr2.stderr).toBe('reinpool compress: the transformer policy has no native inference: using the tfjs engine\n');
    const bad = await cli('compress', '--policy', policy, '--docs', docsFile, '--out', path.join(dir, 'x.safetensors'), '--engine', 'gpu');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--engine: use native or tfjs/);
  });
});
