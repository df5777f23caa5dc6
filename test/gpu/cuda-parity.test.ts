/**
 * Parity of the CUDA backend against the TypeScript reference: the same cases as the CPU suite
 * (testing/kernels/parity-cases.ts, including the device-resident corpus handle), on fresh seeded
 * inputs (REINPOOL_TEST_SEED to replay).
 *
 * Runs where reinpool_cuda.node loads and a device answers. Elsewhere the whole suite is reported
 * as SKIPPED with the reason in its name (and once on the console), e.g.
 *   "cuda vs ts parity SKIPPED: cuda addon loaded but unavailable: cuda unavailable: cudaErrorInsufficientDriver ..."
 * Set REINPOOL_REQUIRE_CUDA=1 (the GPU machine) to make an unavailable backend a failure instead.
 * Without node_modules (the GPU machine has none), bench/gpu/node-parity.ts runs the same cases.
 */
import { loadNativeBackend } from '../../src/kernels/native';
import { seedRandom } from '../../testing/kernels/helpers';
import { parityCases } from '../../testing/kernels/parity-cases';

const seed = Number(process.env.REINPOOL_TEST_SEED ?? (Date.now() % 0x7fffffff));
const cuda = loadNativeBackend('cuda');
const required = process.env.REINPOOL_REQUIRE_CUDA === '1';

if (cuda.kernels) {
  const K = cuda.kernels;
  describe(`cuda vs ts parity (seed ${seed}, REINPOOL_TEST_SEED to replay; ${cuda.status.reason})`, () => {
    beforeAll(() => seedRandom(seed));
    for (const c of parityCases) {
      test(c.name, async () => {
        expect(await c.run(K)).toEqual([]);
        // a device failure would have been answered by the CPU: make sure it was not
        expect(K.name).toBe('cuda');
      });
    }
  });
} else if (required) {
  test('the cuda backend is available (REINPOOL_REQUIRE_CUDA=1)', () => {
    throw new Error(`cuda backend unavailable: ${cuda.status.reason}`);
  });
} else {
  const reason = cuda.status.reason;
  console.log(`test/gpu/cuda-parity: SKIPPED, no usable CUDA backend: ${reason}`);
  describe.skip(`cuda vs ts parity SKIPPED: ${reason}`, () => {
    for (const c of parityCases) test(c.name, () => undefined);
  });
}
