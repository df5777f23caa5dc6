/**
 * An experiment over several seeds: the whole experiment once per seed (document sample, synthetic
 * queries, training; the baselines, which no training seed changes, are evaluated once), then every metric as the mean over seeds with a 95%
 * confidence interval, and a paired randomization test over the queries of ReinPool against mean
 * pooling (each query's NDCG@3, or the runs' primaryMetric, averaged over the seeds first, so the test pairs queries, not runs).
 */
import * as path from 'path';
import type { MetricName } from '../eval';
import { METRICS } from '../eval/evaluate';
import { meanInterval, pairedRandomizationTest } from '../eval/stats';
import type { MeanInterval, PairedTest } from '../eval/stats';
import { writeJsonAtomic } from '../io/json';
import { runExperiment } from './run';
import type { ExperimentJson, ExperimentOptions, ExperimentResult } from './run';

export interface MethodSummary {
  metrics: Record<MetricName, MeanInterval>;
  floatsPerDoc: number;
  vectorsPerDoc: number;
}

export interface SeedsSummary {
  seeds: number[];
  queries: number;
  methods: Record<string, MethodSummary>;
  /** ReinPool minus mean pooling on the primary metric (NDCG@3 unless the runs say otherwise): per-seed differences, their interval, and the paired test */
  reinpoolVsMean?: {
    metric: MetricName;
    diff: MeanInterval;
    /** diff.mean / mean pooling's mean NDCG@3 */
    relative: number;
    test: PairedTest;
  };
  /** the ceilings (diagnostics) over the seeds: NDCG@3 and the share of the gap ReinPool closes */
  ceilings?: Record<string, { ndcg3: MeanInterval; gapClosed?: MeanInterval }>;
  /** one sentence: did ReinPool beat mean pooling, by how much, with the interval */
  verdict: string;
}

/**
 * Summarise per-seed experiment JSONs (each with its per-query NDCG@3: ExperimentJson.perQueryNdcg3)
 * into intervals and the test. The seeds come from the JSONs; they must evaluate the same queries.
 */
export function summarizeSeeds(runs: ExperimentJson[]): SeedsSummary {
  if (runs.length === 0) throw new RangeError('summarizeSeeds: no experiment results');
  const seeds = runs.map((r) => Number(r.seed));
  if (new Set(seeds).size !== seeds.length) throw new RangeError(`summarizeSeeds: seed ${seeds.join(',')} appears twice`);
  const first = runs[0];
  for (const r of runs) {
    if (r.dataset !== first.dataset || r.split !== first.split || r.queries !== first.queries) {
      throw new RangeError(`summarizeSeeds: seed ${String(r.seed)} evaluated ${r.dataset}/${r.split} (${r.queries} queries), seed ${String(first.seed)} ${first.dataset}/${first.split} (${first.queries})`);
    }
  }
  const names = Object.keys(first.methods).filter((n) => runs.every((r) => r.methods[n]));
  const methods: Record<string, MethodSummary> = {};
  for (const name of names) {
    const metrics = {} as Record<MetricName, MeanInterval>;
    for (const m of METRICS) metrics[m] = meanInterval(runs.map((r) => r.methods[name][m]));
    methods[name] = { metrics, floatsPerDoc: first.methods[name].floatsPerDoc, vectorsPerDoc: meanInterval(runs.map((r) => r.methods[name].vectorsPerDoc)).mean };
  }
  const summary: SeedsSummary = { seeds, queries: first.queries, methods, verdict: '' };
  const ceilingNames = Object.keys(first.ceilings ?? {});
  if (ceilingNames.length && runs.every((r) => r.ceilings)) {
    summary.ceilings = {};
    for (const name of ceilingNames) {
      const gaps = runs.map((r) => r.ceilings![name].gapClosed).filter((g): g is number => g !== undefined);
      summary.ceilings[name] = {
        ndcg3: meanInterval(runs.map((r) => r.ceilings![name].metrics['ndcg@3'])),
        gapClosed: gaps.length === runs.length ? meanInterval(gaps) : undefined,
      };
    }
  }
  if (methods.reinpool && methods.mean) {
    const metric: MetricName = first.primaryMetric ?? 'ndcg@3';
    if (runs.some((r) => (r.primaryMetric ?? 'ndcg@3') !== metric)) throw new RangeError('summarizeSeeds: the runs test different metrics (primaryMetric)');
    const perQueryOf = (r: ExperimentJson) => (metric === 'ndcg@3' ? r.perQueryNdcg3 : r.perQueryPrimary);
    const perQuery = (name: string): Float64Array => {
      const ids = perQueryOf(first)?.queryIds;
      if (!ids) throw new Error(`summarizeSeeds: the experiments have no per-query ${metricLabel(metric)} (${metric === 'ndcg@3' ? 'perQueryNdcg3' : 'perQueryPrimary'})`);
      const out = new Float64Array(ids.length);
      for (const r of runs) {
        const pq = perQueryOf(r);
        if (!pq || pq.queryIds.length !== ids.length || pq.queryIds.some((q, i) => q !== ids[i])) throw new RangeError(`summarizeSeeds: seed ${String(r.seed)} ranks other queries`);
        const v = pq.methods[name];
        for (let q = 0; q < out.length; q++) out[q] += v[q] / runs.length;
      }
      return out;
    };
    const diff = meanInterval(runs.map((r) => r.methods.reinpool[metric] - r.methods.mean[metric]));
    const base = methods.mean.metrics[metric].mean;
    const test = pairedRandomizationTest(perQuery('reinpool'), perQuery('mean'));
    summary.reinpoolVsMean = { metric, diff, relative: base > 0 ? diff.mean / base : 0, test };
    summary.verdict = verdictSentence(summary.reinpoolVsMean, seeds.length);
  }
  return summary;
}

/** 'ndcg@3' -> 'NDCG@3', 'recall@10' -> 'recall@10' */
export const metricLabel = (m: MetricName): string => m.replace('ndcg', 'NDCG');

const signed = (v: number, digits = 4) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

function verdictSentence(r: NonNullable<SeedsSummary['reinpoolVsMean']>, nSeeds: number): string {
  const { diff, relative, test, metric } = r;
  const lo = diff.mean - diff.ci95;
  const hi = diff.mean + diff.ci95;
  const interval = nSeeds > 1 ? `95% CI over ${nSeeds} seeds ${signed(lo)} to ${signed(hi)}` : 'one seed, no interval';
  const p = test.p < 0.001 ? 'p < 0.001' : `p = ${test.p.toFixed(3)}`;
  const what = `${metricLabel(metric)} ${signed(diff.mean)} (${signed(100 * relative, 1)}% relative; ${interval}; paired randomization test over ${test.queries} queries ${p})`;
  if (diff.mean > 0 && test.p < 0.05 && (nSeeds === 1 || lo > 0)) return `ReinPool beat mean pooling: ${what}.`;
  if (diff.mean > 0) return `ReinPool scored above mean pooling, but not significantly: ${what}.`;
  return `ReinPool did not beat mean pooling: ${what}.`;
}

/** The JSON of a several-seed experiment: the first seed's fields, the summary, and every seed's result. */
export function seedsJson(runs: ExperimentJson[], summary: SeedsSummary): Record<string, unknown> {
  return runs.length > 1 ? { ...runs[0], summary, perSeed: runs } : { ...runs[0], summary };
}

export interface SeedsResult {
  runs: ExperimentResult[];
  summary: SeedsSummary;
}

/**
 * runExperiment once per seed; per-seed outputs (runs, report, policy) go to SEED subfolders
 * `seed-N` of the given folders, the JSON holds the summary and every seed's result.
 */
export async function runSeeds(o: ExperimentOptions, seeds: number[]): Promise<SeedsResult> {
  if (seeds.length === 0) throw new RangeError('seeds: at least one seed');
  if (new Set(seeds).size !== seeds.length) throw new RangeError(`seeds: ${seeds.join(',')} lists a seed twice`);
  const log = o.log ?? (() => undefined);
  const sub = (dir: string | undefined, seed: number) => (dir && seeds.length > 1 ? path.join(dir, `seed-${seed}`) : dir);
  const runs: ExperimentResult[] = [];
  for (const seed of seeds) {
    if (seeds.length > 1) log(`seed ${seed} (${runs.length + 1} of ${seeds.length})`);
    runs.push(await runExperiment({
      ...o, seed, json: undefined, perQuery: true, baselines: runs[0]?.evaluation,
      runs: sub(o.runs, seed), report: sub(o.report, seed), policyOut: sub(o.policyOut, seed),
    }));
  }
  const summary = summarizeSeeds(runs.map((r) => r.json));
  if (o.json) writeJsonAtomic(o.json, seedsJson(runs.map((r) => r.json), summary));
  return { runs, summary };
}
