import { formatInterval, meanInterval, pairedRandomizationTest, t975 } from '../../src/eval/stats';

describe('meanInterval', () => {
  test('mean and the t-based 95% half-width of three seeds', () => {
    const r = meanInterval([0.2, 0.22, 0.24]);
    expect(r.mean).toBeCloseTo(0.22, 12);
    // sd = 0.02, t(2) = 4.303: 4.303 * 0.02 / sqrt(3)
    expect(r.ci95).toBeCloseTo(4.303 * 0.02 / Math.sqrt(3), 10);
    expect(formatInterval(r)).toBe('0.2200 ± 0.0497');
  });
  test('one value has no interval; bad input is refused', () => {
    expect(meanInterval([0.3])).toEqual({ mean: 0.3, ci95: 0, values: [0.3] });
    expect(formatInterval(meanInterval([0.3]))).toBe('0.3000');
    expect(() => meanInterval([])).toThrow(/no values/);
    expect(() => meanInterval([0.1, NaN])).toThrow(/not finite/);
    expect(() => t975(0)).toThrow(/degrees of freedom/);
    expect(t975(100)).toBe(1.96);
  });
});

describe('pairedRandomizationTest', () => {
  test('a consistent gain over many queries is significant, noise is not', () => {
    const n = 200;
    const b = Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100);
    const a = b.map((v, i) => v + 0.05 + (((i * 53) % 7) - 3) / 100);
    const gain = pairedRandomizationTest(a, b, { trials: 1000 });
    expect(gain.meanDiff).toBeGreaterThan(0.04);
    expect(gain.p).toBeLessThan(0.01);
    // differences of alternating sign and equal size: the observed mean is 0, every permutation is as extreme
    const c = b.map((v, i) => v + (i % 2 ? 0.05 : -0.05));
    const none = pairedRandomizationTest(c, b, { trials: 1000 });
    expect(Math.abs(none.meanDiff)).toBeLessThan(1e-12);
    expect(none.p).toBeGreaterThan(0.9);
  });
  test('the p-value matches the exact enumeration on a small case', () => {
    // 4 queries: 16 sign patterns; |sum| >= observed (0.1+0.2+0.3+0.4 = 1.0) only for all-plus and all-minus
    const r = pairedRandomizationTest([0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0], { trials: 10000, seed: 3 });
    expect(r.p).toBeGreaterThan(2 / 16 - 0.015);
    expect(r.p).toBeLessThan(2 / 16 + 0.015);
    expect(pairedRandomizationTest([0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0], { trials: 500, seed: 3 }))
      .toEqual(pairedRandomizationTest([0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0], { trials: 500, seed: 3 }));
  });
  test('refuses unpaired or empty input', () => {
    expect(() => pairedRandomizationTest([1, 2], [1])).toThrow(/pairs queries/);
    expect(() => pairedRandomizationTest([], [])).toThrow(/no queries/);
    expect(() => pairedRandomizationTest([1], [0], { trials: 0 })).toThrow(/trials/);
  });
});
