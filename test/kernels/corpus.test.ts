/**
 * The corpus handle on the host backends (ts always, cpu when built; the shared parity case runs it
 * against the stateless kernels in parity.test.ts), its argument checks, and the cuda runtime
 * fallback: a device backend whose calls fail with a device error is answered by the fallback
 * backend with exactly one REINPOOL_FALLBACK warning, while bad arguments still throw.
 */
import { _resetFallbackWarning, isDeviceError, withDeviceFallback } from '../../src/kernels/native';
import type { NativeCorpus } from '../../src/kernels/native';
import { buildKernels } from '../../src/kernels/list';
import { tsKernels } from '../../src/kernels/ts';
import type { Kernels } from '../../src/kernels/types';
import { masks, matrix, ragged, seedRandom } from '../../testing/kernels/helpers';
import { parityCases } from '../../testing/kernels/parity-cases';

seedRandom(12345);

const corpusCase = parityCases.find((c) => c.name.startsWith('createCorpus'))!;

test('ts backend: the corpus handle equals the stateless kernels', async () => {
  expect(await corpusCase.run(tsKernels)).toEqual([]);
});

test('corpus argument errors name the argument', () => {
  const docs = ragged([2, 3], 4);
  const c = tsKernels.createCorpus!({ docs, queries: matrix(5, 4), queryOwner: new Int32Array(5) });
  expect(() => c.pool({ batchDocs: Int32Array.from([2]), masks: new Uint8Array(0), groups: 1 }))
    .toThrow(/^corpus\.pool: batchDocs\[0\] must be a document index in \[0, 1\], got 2/);
  expect(() => c.reward({ batchDocs: Int32Array.from([1]), masks: new Uint8Array(2), groups: 1 }))
    .toThrow(/^corpus\.reward: masks has 2 bytes, expected groups 1 x 3/);
  expect(() => c.queryTopK({ vectors: matrix(2, 3), k: 1 })).toThrow(/^corpus\.queryTopK: vectors\.dim is 3 but must equal 4/);
  expect(() => tsKernels.createCorpus!({ docs, queries: matrix(5, 4) })).toThrow(/^createCorpus: queryOwner must be a Int32Array/);
  expect(() => tsKernels.createCorpus!({ docs, queryOwner: new Int32Array(1) })).toThrow(/queryOwner is given without queries/);
  return expect(c.rewardAsync({ batchDocs: Int32Array.from([0]), masks: new Uint8Array(1), groups: 1 })).rejects.toThrow(/^corpus\.reward: masks/);
});

test('competitorScores: checked at createCorpus, required by forwardReward', async () => {
  const docs = ragged([2, 3], 4);
  const queries = matrix(5, 4);
  const queryOwner = Int32Array.from([0, 1, 1, 0, 7]);
  const scores = (rows: number, k: number) => ({ rows, dim: k, data: new Float32Array(rows * k).fill(-Infinity) });
  expect(() => tsKernels.createCorpus!({ docs, competitorScores: scores(5, 3) }))
    .toThrow(/^createCorpus: competitorScores is given without queries/);
  expect(() => tsKernels.createCorpus!({ docs, queries, queryOwner, competitorScores: scores(4, 3) }))
    .toThrow(/^createCorpus: competitorScores has 4 rows for 5 queries/);
  expect(() => tsKernels.createCorpus!({ docs, queries, queryOwner, competitorScores: { rows: 5, dim: 0, data: new Float32Array(0) } }))
    .toThrow(/^createCorpus: competitorScores\.dim must be in \[1, /);
  expect(() => tsKernels.createCorpus!({ docs, queries, queryOwner, competitorScores: { rows: 5, dim: 3, data: new Float64Array(15) } as never }))
    .toThrow(/^createCorpus: competitorScores\.data must be a Float32Array/);
  const c = tsKernels.createCorpus!({ docs, queries, queryOwner, competitorScores: scores(5, 3) });
  const batchDocs = Int32Array.from([1, 0]);
  const m = new Uint8Array(2 * 5).fill(1);
  // every competitor slot is -Infinity: each own query ranks the document first, gain 1
  expect(Array.from(c.forwardReward({ batchDocs, masks: m, groups: 2 }))).toEqual([1, 1, 1, 1]);
  // owner 5 and 6 own nothing: 0
  expect(Array.from(await c.forwardRewardAsync({ batchDocs, masks: m, groups: 2, docIndex: Int32Array.from([5, 7]) }))).toEqual([0, 0, 1, 1]);
  expect(() => c.forwardReward({ batchDocs, masks: m, groups: 2, docIndex: Int32Array.from([1]) }))
    .toThrow(/^corpus\.forwardReward: docIndex has 1 entries for 2 batch documents/);
  expect(() => c.forwardReward({ batchDocs: Int32Array.from([2]), masks: m, groups: 1 }))
    .toThrow(/^corpus\.forwardReward: batchDocs\[0\] must be a document index/);
  await expect(c.forwardRewardAsync({ batchDocs, masks: new Uint8Array(3), groups: 2 })).rejects.toThrow(/^corpus\.forwardReward: masks has 3 bytes/);
  const plain = tsKernels.createCorpus!({ docs, queries, queryOwner });
  expect(() => plain.forwardReward({ batchDocs, masks: m, groups: 2 })).toThrow(/^corpus\.forwardReward: the corpus was created without competitorScores/);
  await expect(plain.forwardRewardAsync({ batchDocs, masks: m, groups: 2 })).rejects.toThrow(/without competitorScores/);
  c.dispose();
  expect(() => c.forwardReward({ batchDocs, masks: m, groups: 2 })).toThrow(/^corpus\.forwardReward: the corpus has been disposed/);
});

function deviceError(code: string): Error {
  return Object.assign(new Error(`poolMasked: cuda unavailable: simulated (${code})`), { code });
}

/** A fake device backend that fails every call with the given error. */
function failing(code: string): Kernels {
  const thrower = () => { throw deviceError(code); };
  const rejecter = () => Promise.reject(deviceError(code));
  return { name: 'cuda', ...buildKernels(() => thrower, () => rejecter) };
}

describe('cuda runtime fallback', () => {
  let warnings: Array<{ code?: string; message: string }> = [];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    warnings = [];
    _resetFallbackWarning();
    spy = jest.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error, o?: { code?: string }) => {
      warnings.push({ code: o?.code, message: String(w) });
    }));
  });
  afterEach(() => { spy.mockRestore(); });
  const flush = () => new Promise((r) => setImmediate(r));

  test('isDeviceError tells device failures from argument errors', () => {
    expect(isDeviceError(deviceError('ERR_REINPOOL_OUT_OF_MEMORY'))).toBe(true);
    expect(isDeviceError(new Error('scoreTopK: cuda error in scoreTopK: cudaErrorIllegalAddress'))).toBe(true);
    expect(isDeviceError(new RangeError('poolMasked: groups must be in [1, 65536], got 0'))).toBe(false);
    expect(isDeviceError(new TypeError('poolMasked: docs must be an object'))).toBe(false);
  });

  test('a device error reruns the call on the fallback, with ONE REINPOOL_FALLBACK warning', async () => {
    const K = withDeviceFallback(failing('ERR_REINPOOL_INTERNAL'), () => tsKernels);
    const docs = ragged([3, 4], 8);
    const args = { docs, masks: masks(docs, 2, 'all'), groups: 2 };
    expect(K.poolMasked(args)).toEqual(tsKernels.poolMasked(args));
    expect(await K.poolMaskedAsync(args)).toEqual(tsKernels.poolMasked(args));
    const s = { queries: matrix(3, 8), keys: matrix(9, 8), k: 2 };
    expect(K.scoreTopK(s)).toEqual(tsKernels.scoreTopK(s));
    expect(K.name).toBe('ts'); // an internal error switches the backend for good
    await flush();
    expect(warnings.filter((w) => w.code === 'REINPOOL_FALLBACK')).toHaveLength(1);
    expect(warnings[0].message).toMatch(/poolMasked failed on the cuda backend .*simulated.*using the ts backend/);
  });

  test('out of memory falls back for that call only', async () => {
    const K = withDeviceFallback(failing('ERR_REINPOOL_OUT_OF_MEMORY'), () => tsKernels);
    const s = { queries: matrix(3, 8), keys: matrix(9, 8), k: 2 };
    expect(K.scoreTopK(s)).toEqual(tsKernels.scoreTopK(s));
    expect(await K.scoreTopKAsync(s)).toEqual(tsKernels.scoreTopK(s));
    expect(K.name).toBe('cuda');
    await flush();
    expect(warnings.filter((w) => w.code === 'REINPOOL_FALLBACK')).toHaveLength(1);
  });

  test('argument errors are not retried on the fallback', async () => {
    const bad: Kernels = { ...failing('x'), poolMasked: () => { throw new RangeError('poolMasked: groups must be >= 1'); } };
    const K = withDeviceFallback(bad, () => tsKernels);
    expect(() => K.poolMasked({} as never)).toThrow(RangeError);
    await flush();
    expect(warnings).toHaveLength(0);
  });

  test('corpus handles: creation failure -> host corpus; call failure -> host corpus; one warning', async () => {
    const docs = ragged([3, 0, 5, 2], 8);
    const queries = matrix(6, 8);
    const queryOwner = Int32Array.from([0, 1, 2, 3, 0, 2]);
    const batchDocs = Int32Array.from([2, 0]);
    const m = masks(ragged([5, 3], 8), 2, 'random');
    const want = tsKernels.createCorpus!({ docs, queries, queryOwner }).reward({ batchDocs, masks: m, groups: 2 });

    const cannotCreate = withDeviceFallback(failing('ERR_REINPOOL_OUT_OF_MEMORY'), () => tsKernels, () => { throw deviceError('ERR_REINPOOL_OUT_OF_MEMORY'); });
    const c1 = cannotCreate.createCorpus!({ docs, queries, queryOwner });
    expect(c1.backend).toBe('ts');
    expect(c1.reward({ batchDocs, masks: m, groups: 2 })).toEqual(want);

    _resetFallbackWarning();
    warnings = [];
    let disposed = 0;
    const fake: NativeCorpus = {
      count: 4, dim: 8, queries: 6, deviceBytes: 1, precision: 'fp32', disposed: false,
      pool: () => { throw deviceError('ERR_REINPOOL_INTERNAL'); },
      poolAsync: () => Promise.reject(deviceError('ERR_REINPOOL_INTERNAL')),
      reward: () => { throw deviceError('ERR_REINPOOL_INTERNAL'); },
      rewardAsync: () => Promise.reject(deviceError('ERR_REINPOOL_INTERNAL')),
      forwardReward: () => { throw deviceError('ERR_REINPOOL_INTERNAL'); },
      forwardRewardAsync: () => Promise.reject(deviceError('ERR_REINPOOL_INTERNAL')),
      queryTopK: () => { throw deviceError('ERR_REINPOOL_INTERNAL'); },
      queryTopKAsync: () => Promise.reject(deviceError('ERR_REINPOOL_INTERNAL')),
      dispose: () => { disposed++; },
    };
    const K = withDeviceFallback(failing('ERR_REINPOOL_INTERNAL'), () => tsKernels, () => fake);
    const c2 = K.createCorpus!({ docs, queries, queryOwner });
    expect(c2.backend).toBe('cuda');
    expect(await c2.rewardAsync({ batchDocs, masks: m, groups: 2 })).toEqual(want);
    expect(c2.reward({ batchDocs, masks: m, groups: 2 })).toEqual(want);
    expect(c2.backend).toBe('ts');
    expect(disposed).toBe(1); // the dead device handle was released
    expect(() => c2.reward({ batchDocs: Int32Array.from([9]), masks: m, groups: 2 })).toThrow(/batchDocs\[0\]/);
    c2.dispose();
    expect(() => c2.pool({ batchDocs, masks: m, groups: 2 })).toThrow(/disposed/);
    await flush();
    expect(warnings.filter((w) => w.code === 'REINPOOL_FALLBACK')).toHaveLength(1);
  });

  test('the forward reward falls back like every kernel: stateless and on a device corpus', async () => {
    const docs = ragged([3, 0, 5, 2], 8);
    const queries = matrix(6, 8);
    const queryOwner = Int32Array.from([0, 1, 2, 3, 0, 2]);
    const competitorScores = { rows: 6, dim: 2, data: Float32Array.from([0.5, 0.1, 0.9, -Infinity, 0.2, 0.2, 0, -1, 2, 1, 0.3, -0.3]) };
    const args = { docs, masks: masks(docs, 3, 'random'), groups: 3, queries, queryOwner, competitorScores };
    const want = tsKernels.forwardRetrievalReward(args);
    const oom = withDeviceFallback(failing('ERR_REINPOOL_OUT_OF_MEMORY'), () => tsKernels);
    expect(oom.forwardRetrievalReward(args)).toEqual(want);
    expect(await oom.forwardRetrievalRewardAsync(args)).toEqual(want);
    expect(oom.name).toBe('cuda');
    await flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/^reinpool: forwardRetrievalReward failed on the cuda backend/);
    // argument errors still throw (here from the fallback: the fake device fails every call)
    expect(() => oom.forwardRetrievalReward({ ...args, competitorScores: { ...competitorScores, rows: 5 } })).toThrow(/^forwardRetrievalReward: competitorScores\.data has 12 values/);

    const batchDocs = Int32Array.from([2, 0]);
    const m = masks(ragged([5, 3], 8), 2, 'random');
    const host = tsKernels.createCorpus!({ docs, queries, queryOwner, competitorScores });
    const hostWant = host.forwardReward({ batchDocs, masks: m, groups: 2 });
    const fail = () => { throw deviceError('ERR_REINPOOL_INTERNAL'); };
    const fake = {
      count: 4, dim: 8, queries: 6, deviceBytes: 1, precision: 'fp32', disposed: false, dispose: () => undefined,
      pool: fail, reward: fail, forwardReward: fail, queryTopK: fail,
      poolAsync: fail, rewardAsync: fail, forwardRewardAsync: () => Promise.reject(deviceError('ERR_REINPOOL_INTERNAL')), queryTopKAsync: fail,
    } as unknown as NativeCorpus;
    const K = withDeviceFallback(failing('ERR_REINPOOL_INTERNAL'), () => tsKernels, () => fake);
    const c = K.createCorpus!({ docs, queries, queryOwner, competitorScores });
    expect(c.backend).toBe('cuda');
    expect(() => c.forwardReward({ batchDocs: Int32Array.from([4]), masks: m, groups: 2 })).toThrow(/^corpus\.forwardReward: batchDocs\[0\]/);
    expect(await c.forwardRewardAsync({ batchDocs, masks: m, groups: 2 })).toEqual(hostWant);
    expect(c.backend).toBe('ts');
    expect(c.forwardReward({ batchDocs, masks: m, groups: 2 })).toEqual(hostWant);
  });
});
