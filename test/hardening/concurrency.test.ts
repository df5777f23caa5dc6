/**
 * 1,000 concurrent compressAsync calls from one process (a service handling a burst of requests)
 * return exactly what the synchronous compress returns for the same input, and memory stays
 * bounded: after the burst (and a GC) the RSS and the JS heap are back within a fixed margin of
 * where they started, and the tfjs tensor count is unchanged (no leaked tensors).
 *
 * Data: SYNTHETIC (seeded Gaussian token vectors, 1-12 tokens per document, 16-d), a small random
 * (untrained) MLP policy; the kernels are whatever getKernels() picks (cpu when the addon is built).
 */
import { getKernels } from '../../src/kernels';
import type { MultiVectorSet } from '../../src/kernels/types';
import { compress, compressAsync, initTf, Policy } from '../../src/policy';
import { tf } from '../../src/policy/backend';
import { mulberry32 as rng } from '../../src/random';

const N = 1000;
const DIM = 16;


function request(seed: number): MultiVectorSet {
  const r = rng(seed);
  const docs = 1 + Math.floor(r() * 4);
  const offsets = new Int32Array(docs + 1);
  for (let d = 0; d < docs; d++) offsets[d + 1] = offsets[d] + 1 + Math.floor(r() * 12);
  const vectors = new Float32Array(offsets[docs] * DIM);
  for (let i = 0; i < vectors.length; i++) vectors[i] = (r() + r() + r() - 1.5) * 2;
  return { dim: DIM, vectors, offsets };
}

const gc = (global as { gc?: () => void }).gc;
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
}

test(`${N} concurrent compressAsync calls equal the sync results, with bounded memory`, async () => {
  await initTf();
  const policy = new Policy({ dim: DIM, seed: 3, hidden: 16 });
  const kernels = getKernels();
  const inputs = Array.from({ length: N }, (_, i) => request(1000 + i));
  // warm-up (first-call allocations of tfjs and the addon are not growth)
  for (let i = 0; i < 20; i++) await compressAsync(policy, inputs[i], { kernels });
  const expected = inputs.map((s) => compress(policy, s, { kernels }));
  await settle();
  const tensors0 = tf.memory().numTensors;
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;

  let peakRss = rss0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 5);
  const t0 = Date.now();
  const results = await Promise.all(inputs.map((s) => compressAsync(policy, s, { kernels })));
  const ms = Date.now() - t0;
  clearInterval(sampler);

  let mismatches = 0;
  for (let i = 0; i < N; i++) {
    const a = expected[i];
    const b = results[i];
    if (a.length !== b.length || a.some((x, j) => !Object.is(x, b[j]))) mismatches++;
  }
  expect(mismatches).toBe(0);
  for (const r of results) expect(r.length % DIM).toBe(0);

  results.length = 0;
  await settle();
  const rss1 = process.memoryUsage().rss;
  const heap1 = process.memoryUsage().heapUsed;
  const mb = (x: number) => (x / 1048576).toFixed(1);
  process.stdout.write(`concurrency: ${N} calls in ${ms} ms on ${kernels.name}; RSS ${mb(rss0)} -> peak ${mb(peakRss)} -> ${mb(rss1)} MB; heap ${mb(heap0)} -> ${mb(heap1)} MB; tensors ${tensors0} -> ${tf.memory().numTensors}\n`);
  expect(tf.memory().numTensors).toBe(tensors0);
  // the inputs are ~1.5 MB in all: the burst may not hold more than a bounded working set
  expect(peakRss - rss0).toBeLessThan(512 * 1048576);
  expect(rss1 - rss0).toBeLessThan(128 * 1048576);
  expect(heap1 - heap0).toBeLessThan(32 * 1048576);
  policy.dispose();
}, 120000);
