/**
 * The statistics behind every quality number reinpool reports over several seeds: the mean with a
 * 95% confidence interval (Student's t over the seeds), and a paired randomization test over queries
 * (does method A beat method B on the same queries by more than chance?).
 */
import { Rng } from '../random';

export interface MeanInterval {
  mean: number;
  /** half-width of the 95% confidence interval (0 for a single value) */
  ci95: number;
  /** the values it summarises, in seed order */
  values: number[];
}

// two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; beyond 30 the normal 1.96
// is within 2% of the exact value
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Student's t quantile for a two-sided 95% interval with `dof` degrees of freedom. */
export function t975(dof: number): number {
  if (!Number.isInteger(dof) || dof < 1) throw new RangeError(`t975: degrees of freedom must be a positive integer, got ${dof}`);
  return dof <= T975.length ? T975[dof - 1] : 1.96;
}

/** Mean and 95% confidence half-width of values (one per seed): t(n-1) * sd / sqrt(n). */
export function meanInterval(values: number[]): MeanInterval {
  if (values.length === 0) throw new RangeError('meanInterval: no values');
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`meanInterval: value ${v} is not finite`);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, ci95: 0, values: [...values] };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, ci95: t975(n - 1) * Math.sqrt(variance / n), values: [...values] };
}

export interface PairedTest {
  /** mean over queries of a - b */
  meanDiff: number;
  /** two-sided p-value: share of sign-flip permutations with |mean diff| >= the observed one */
  p: number;
  queries: number;
  trials: number;
}

/**
 * Paired randomization (sign-flip permutation) test over queries: under the null hypothesis that A
 * and B are exchangeable on each query, the sign of every per-query difference is a coin flip. The
 * p-value counts the observed statistic itself (add-one), so it is never 0. Seeded: the same inputs
 * give the same p.
 */
export function pairedRandomizationTest(a: ArrayLike<number>, b: ArrayLike<number>, opts: { trials?: number; seed?: number } = {}): PairedTest {
  if (a.length !== b.length) throw new RangeError(`pairedRandomizationTest: ${a.length} values against ${b.length}; the test pairs queries one to one`);
  if (a.length === 0) throw new RangeError('pairedRandomizationTest: no queries');
  const trials = opts.trials ?? 10000;
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`pairedRandomizationTest: trials must be a positive integer, got ${trials}`);
  const n = a.length;
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    d[i] = a[i] - b[i];
    if (!Number.isFinite(d[i])) throw new RangeError(`pairedRandomizationTest: query ${i} has a non-finite value`);
    sum += d[i];
  }
  const observed = Math.abs(sum);
  // a tolerance so that permutations equal to the observed sum up to rounding count as "as extreme"
  const tol = 1e-12 * Math.max(1, observed);
  const rng = new Rng(opts.seed ?? 0, 0x7e57);
  let extreme = 0;
  for (let t = 0; t < trials; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (rng.nextU32() & 1) ? d[i] : -d[i];
    if (Math.abs(s) >= observed - tol) extreme++;
  }
  return { meanDiff: sum / n, p: (extreme + 1) / (trials + 1), queries: n, trials };
}

/** "0.2115 ± 0.0123" (the mean and the interval's half-width; just the mean for one value) */
export function formatInterval(v: MeanInterval, digits = 4): string {
  return v.values.length > 1 ? `${v.mean.toFixed(digits)} ± ${v.ci95.toFixed(digits)}` : v.mean.toFixed(digits);
}
