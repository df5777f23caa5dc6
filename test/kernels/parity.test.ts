/**
 * Parity: the native CPU backend against the TypeScript reference on fresh random inputs over many
 * shapes (ragged documents including empty, length-1 and 3000-row ones; masks keeping nothing and
 * everything; k > n; dims 1, 3, 17, 100, 128, 130; G = 1 and 64), at every SIMD level the machine
 * has, plus async == sync and thread-count independence.
 *
 * Floats agree within 1e-5 relative with an absolute floor of 1e-5 x the largest magnitude in the
 * row (the reference accumulates in float64, the addon in float32 with FMA). Top-k ids are
 * identical except where two scores are within that tolerance (a tie in float terms). The corpus
 * handle (createCorpus) is checked against the stateless kernels as well.
 *
 * The inputs are synthetic (seeded pseudo-random; set REINPOOL_TEST_SEED to replay a run). When the
 * addon is not built this file FAILS, unless REINPOOL_ALLOW_NO_NATIVE=1 (then it is skipped).
 */
import { loadNativeAddon, loadNativeBackend } from '../../src/kernels/native';
import type { Kernels } from '../../src/kernels/types';
import { docLengths, matrix, ragged, seedRandom } from '../../testing/kernels/helpers';
import { parityCases } from '../../testing/kernels/parity-cases';

const seed = Number(process.env.REINPOOL_TEST_SEED ?? (Date.now() % 0x7fffffff));
const native = loadNativeBackend('cpu');
const addon = loadNativeAddon('cpu').addon;
const allowSkip = process.env.REINPOOL_ALLOW_NO_NATIVE === '1';

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
