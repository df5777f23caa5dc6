/**
 * Parity: the native CPU backend against the TypeScript reference on fresh random inputs over many
 * shapes (ragged documents including empty, length-1 and 3000-row ones; masks keeping nothing and
 * everything; k > n; dims 1, 3, 17, 100, 128, 130; G = 1 and 64), at every SIMD level the machine
 * has, plus async == sync and thread-count independence.
 *
 * Floats agree within 1e-5 relative with an absolute floor of 1e-5 x the largest magnitude in the
 * row (the reference accumulates in float64, the addon in float32 with FMA). Top-k ids are
 * identical except where two scores are within that tolerance (a tie in float terms). The corpus
 * handle (createCorpus) is checked against the stateless kernels as well. poolMasked on the cpu
 * backend is held tighter: within one float32 ulp per component of the fp64 reference (max pooling
 * exactly), on adversarial inputs too.
 *
 * The inputs are synthetic (seeded pseudo-random; set REINPOOL_TEST_SEED to replay a run). When the
 * addon is not built this file FAILS, unless REINPOOL_ALLOW_NO_NATIVE=1 (then it is skipped).
 */
import { loadNativeAddon, loadNativeBackend } from '../../src/kernels/native';
import type { Kernels } from '../../src/kernels/types';
import { tsKernels } from '../../src/kernels/ts';
import { docLengths, masks, matrix, ragged, randInt, random, seedRandom } from '../../testing/kernels/helpers';
import { parityCases } from '../../testing/kernels/parity-cases';

const seed = Number(process.env.REINPOOL_TEST_SEED ?? (Date.now() % 0x7fffffff));
const native = loadNativeBackend('cpu');
const addon = loadNativeAddon('cpu').addon;
const allowSkip = process.env.REINPOOL_ALLOW_NO_NATIVE === '1';

/** The spacing of float32 values at |x| (one ulp). */
function ulp32(x: number): number {
  const f = new Float32Array([Math.abs(x)]);
  const bits = new Int32Array(f.buffer);
  const lo = f[0];
  bits[0] += 1;
  return f[0] - lo;
}

// The cases themselves (inputs, tolerances, comparisons) live in testing/kernels/{parity-cases,helpers}.ts,
// shared with the CUDA suite (test/gpu/cuda-parity.test.ts) and bench/gpu/node-parity.ts.
function runParity(K: Kernels, level: string, index: number): void {
  describe(`simd ${level}`, () => {
    beforeAll(() => {
      seedRandom(seed + 7919 * index);
      if (addon?._setSimd && level !== 'default') expect(addon._setSimd(level)).toBe(level);
    });

    for (const c of parityCases) {
      test(c.name, async () => {
        expect(await c.run(K)).toEqual([]);
      });
    }

    // The cpu backend sums in fp32 with TwoSum compensation and finishes in fp64: its pooled
    // vectors hold within one float32 ulp of the fp64 reference per component (max pooling:
    // exactly), also where plain fp32 sums lose digits: a large common offset, magnitudes spread
    // over 8 decades, alternating signs that cancel, 3000-row documents.
    test('poolMasked: fp32 compensated sums within 1 float32 ulp of the fp64 reference', () => {
      const bad: string[] = [];
      const inputs: Array<[string, (u: number, i: number) => number]> = [
        ['uniform', (u) => u],
        ['offset 1000', (u) => 1000 + u],
        ['8 decades', (u) => u * 10 ** randInt(-4, 4)],
        ['cancelling', (u, i) => (i % 2 ? 1 : -1) * (1 + 1e-3 * u)],
      ];
      for (const [kind, f] of inputs) {
        for (const dim of [3, 100, 128, 130]) {
          const docs = ragged(docLengths(6, true), dim);
          docs.vectors.forEach((u, i) => { docs.vectors[i] = f(u, i); });
          for (const groups of [1, 3]) {
            const m = masks(docs, groups, 'random');
            for (const mode of ['mean', 'max'] as const) {
              const args = { docs, masks: m, groups, mode, normalize: kind !== 'offset 1000' };
              const got = K.poolMasked(args), want = tsKernels.poolMasked(args);
              for (let i = 0; i < want.length && bad.length < 5; i++) {
                const d = Math.abs(got[i] - want[i]);
                if (mode === 'max' ? d !== 0 : d > ulp32(want[i])) bad.push(`${kind} dim ${dim} G ${groups} ${mode} [${i}]: ${got[i]} vs ${want[i]}`);
              }
            }
          }
        }
      }
      expect(bad).toEqual([]);
    });

    // The pooling loops keep their accumulators in registers for a pass over the kept rows, in
    // column blocks (and row chunks when a row is wider than one block or has scalar columns), and
    // request rows ahead in two ways depending on the mask's density (every row from 45% kept up,
    // the kept ones below). Masks at the edges of those paths: runs, one kept row (first, middle,
    // last), every other row, densities either side of 45%, and dims below one vector, between
    // blocks and several blocks wide.
    test('poolMasked: runs, single and last kept rows, densities around the prefetch switch', () => {
      const bad: string[] = [];
      const kinds: Array<[string, (t: number, len: number, g: number) => boolean]> = [
        ['runs', (t, _l, g) => Math.floor(t / (2 + g)) % 2 === 0],
        ['first', (t) => t === 0],
        ['middle', (t, l) => t === l >> 1],
        ['last', (t, l) => t === l - 1],
        ['alternate', (t) => t % 2 === 1],
        ['40%', () => random() < 0.4],
        ['50%', () => random() < 0.5],
        ['all but last', (t, l) => t !== l - 1],
      ];
      for (const dim of [1, 5, 16, 64, 100, 129, 256, 300, 768]) {
        const docs = ragged(docLengths(7, dim <= 300), dim);
        for (const groups of [1, 4]) {
          for (const [kind, keep] of kinds) {
            const m = new Uint8Array(groups * docs.offsets[docs.offsets.length - 1]);
            for (let d = 0; d + 1 < docs.offsets.length; d++) {
              const s = docs.offsets[d], len = docs.offsets[d + 1] - s;
              for (let g = 0; g < groups; g++) {
                for (let t = 0; t < len; t++) m[groups * s + g * len + t] = keep(t, len, g) ? 1 : 0;
              }
            }
            for (const mode of ['mean', 'max'] as const) {
              const args = { docs, masks: m, groups, mode, normalize: true };
              const got = K.poolMasked(args), want = tsKernels.poolMasked(args);
              for (let i = 0; i < want.length && bad.length < 5; i++) {
                const d = Math.abs(got[i] - want[i]);
                if (mode === 'max' ? d !== 0 : d > ulp32(want[i])) bad.push(`${kind} dim ${dim} G ${groups} ${mode} [${i}]: ${got[i]} vs ${want[i]}`);
              }
            }
          }
        }
      }
      expect(bad).toEqual([]);
    });

    test('results do not depend on the thread count', () => {
      if (!addon) return;
      const dim = 128;
      const scoreArgs = { queries: matrix(300, dim), keys: matrix(5000, dim), k: 10 };
      const fewArgs = { queries: matrix(5, dim), keys: matrix(20000, dim), k: 10 };
      const maxArgs = { queries: ragged([4, 9, 1], dim), docs: ragged(docLengths(9, true), dim), k: 3 };
      const all = [K.scoreTopK(scoreArgs), K.scoreTopK(fewArgs), K.maxSimTopK(maxArgs)];
      addon._setThreads(1);
      try {
        expect([K.scoreTopK(scoreArgs), K.scoreTopK(fewArgs), K.maxSimTopK(maxArgs)]).toEqual(all);
      } finally {
        addon._setThreads(0);
      }
    });
  });
}

if (native.kernels) {
  const K = native.kernels;
  describe(`cpu vs ts parity (seed ${seed}, REINPOOL_TEST_SEED to replay)`, () => {
    const levels: string[] = [];
    if (addon?._setSimd) {
      for (const l of ['avx512', 'avx2', 'sse2']) {
        const got = addon._setSimd(l);
        if (got === l) levels.push(l);
      }
      addon._setSimd('avx512');
    } else {
      levels.push('default');
    }
    afterAll(() => { addon?._setSimd?.('avx512'); });
    levels.forEach((l, i) => runParity(K, l, i));
  });
} else if (allowSkip) {
  describe.skip(`cpu vs ts parity: native addon unavailable (${native.status.reason})`, () => {
    test('skipped because REINPOOL_ALLOW_NO_NATIVE=1', () => undefined);
  });
} else {
  test('the native cpu addon is built (set REINPOOL_ALLOW_NO_NATIVE=1 to skip locally)', () => {
    throw new Error(`native cpu backend unavailable: ${native.status.reason}`);
  });
}
