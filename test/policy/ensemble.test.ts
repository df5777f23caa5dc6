/**
 * meanOfMlps (src/policy/ensemble.ts): one MLP whose keep-logit is the mean of its parts', checked
 * against the parts' own logits on random ragged documents (SYNTHETIC vectors), saved and loaded like
 * any MLP policy, and run by the native engine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compress, initTf, keepLogits, loadPolicy, meanOfMlps, Policy, savePolicy } from '../../src/policy';
import { Rng } from '../../src/random';
import { getKernels } from '../../src/kernels';
import { rmrf } from '../cli/helpers';

function randomDocs(n: number, dim: number, seed: number) {
  const rng = new Rng(seed, 5);
  const offsets = [0];
  for (let d = 0; d < n; d++) offsets.push(offsets[d] + 1 + rng.int(30));
  const vectors = Float32Array.from({ length: offsets[n] * dim }, () => rng.normal());
  return { dim, vectors, offsets: Int32Array.from(offsets) };
}

describe('meanOfMlps', () => {
  beforeAll(() => initTf());

  test('its keep-logits are the mean of its parts\', and it is an ordinary saved MLP policy', () => {
    // trained-looking heads: large enough that the mean differs from any one part
    const parts = [1, 2, 3].map((seed) => new Policy({ dim: 12, hidden: 8, seed, headInitStd: 1 }));
    const merged = meanOfMlps(parts);
    expect(merged.config).toMatchObject({ type: 'mlp', layers: 1, hidden: 24, dim: 12 });
    const set = randomDocs(40, 12, 9);
    const got = keepLogits(merged, set);
    const want = parts.map((p) => keepLogits(p, set));
    let worst = 0;
    let spread = 0;
    got.forEach((g, t) => {
      worst = Math.max(worst, Math.abs(g - (want[0][t] + want[1][t] + want[2][t]) / 3));
      spread = Math.max(spread, Math.abs(want[0][t] - want[1][t]));
    });
    expect(worst).toBeLessThan(1e-5);
    expect(spread).toBeGreaterThan(0.1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-ensemble-'));
    try {
      savePolicy(merged, dir);
      const back = loadPolicy(dir);
      expect(Array.from(keepLogits(back, set))).toEqual(Array.from(got));
      // the native engine runs it as it runs any MLP
      const native = compress(back, set, { kernels: getKernels(), engine: 'native' });
      const viaTf = compress(back, set, { kernels: getKernels(), engine: 'tfjs' });
      let d = 0;
      native.forEach((x, i) => { d = Math.max(d, Math.abs(x - viaTf[i])); });
      expect(d).toBeLessThan(1e-4);
      back.dispose();
    } finally {
      rmrf(dir);
    }
    [...parts, merged].forEach((p) => p.dispose());
  });

  test('refuses what it cannot average', () => {
    const a = new Policy({ dim: 6, hidden: 4 });
    const wide = new Policy({ dim: 6, hidden: 5 });
    const deep = new Policy({ dim: 6, hidden: 4, layers: 2 });
    const tr = new Policy({ type: 'transformer', dim: 6, hidden: 4, heads: 2 });
    expect(() => meanOfMlps([])).toThrow(/no policies/);
    for (const b of [wide, deep, tr]) expect(() => meanOfMlps([a, b])).toThrow(/one-layer MLP policies of one width and dimension/);
    [a, wide, deep, tr].forEach((p) => p.dispose());
  });
});
