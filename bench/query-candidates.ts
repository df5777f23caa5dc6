/**
 * Every candidate of a `--train-queries choose` run, evaluated: after
 *
 *   reinpool experiment --beir DIR --split S --train-queries choose --seeds 3 --policy-out POL ...
 *
 * `node dist/bench/query-candidates.js --beir DIR --split S --policies POL [--seeds 0,1,2] [--json FILE]`
 * scores each generator's policy (POL/seed-N/candidates/GEN/policy) on the split's queries as the
 * experiment scores the chosen one (GloVe vectors centred on the corpus mean, default selection), so the
 * choice can be compared with what each candidate would have given, and a fourth row, `ensemble`:
 * the three one-layer MLPs as one MLP of three times the width whose keep-logit is the mean of
 * theirs (hidden units side by side, head weights divided by three), what an average of the
 * candidates would give without a choice. Test queries read here never feed back into a choice:
 * this is the ablation table of docs/training.md, not a method.
 */
import * as path from 'path';
import { centerSet, meanVector } from '../src/encode';
import { evaluate } from '../src/eval';
import { meanInterval, pairedRandomizationTest } from '../src/eval/stats';
import { loadExperimentData, policyCompressor } from '../src/experiment';
import { CHOICE_SOURCES } from '../src/experiment/training-set';
import { getKernels } from '../src/kernels';
import { initTf, loadPolicy, meanOfMlps } from '../src/policy';
import type { Policy } from '../src/policy';
import { writeJsonAtomic } from '../src/io/json';
import { arg } from './lib';

async function main(): Promise<void> {
  const beir = arg('beir');
  const policies = arg('policies');
  if (!beir || !policies) throw new Error('usage: query-candidates --beir DIR --policies DIR [--split test] [--seeds 0,1,2] [--json FILE]');
  const split = arg('split') ?? 'test';
  const seeds = (arg('seeds') ?? '0,1,2').split(',').map(Number);
  await initTf();
  const raw = await loadExperimentData(beir, split, () => undefined, {});
  const mu = meanVector(raw.docs);
  const docs = centerSet(raw.docs, mu);
  const queries = centerSet(raw.queries, mu);
  const kernels = getKernels();
  const out: Record<string, unknown> = { dataset: path.basename(path.resolve(beir)), split, seeds };
  console.log('| generator | NDCG@3 per seed | NDCG@3 | NDCG@10 | R@100 | vs mean pooling (paired test over queries) |');
  console.log('|---|--:|--:|--:|--:|--:|');
  for (const source of [...CHOICE_SOURCES, 'ensemble' as const]) {
    const per: { ndcg3: number[]; ndcg10: number[]; r100: number[] } = { ndcg3: [], ndcg10: [], r100: [] };
    const perQuery: number[][] = [];
    let meanPerQuery: number[] = [];
    for (const seed of seeds) {
      const load = (gen: string) => loadPolicy(path.join(policies, `seed-${seed}`, 'candidates', gen, 'policy'));
      let policy: Policy;
      if (source === 'ensemble') {
        const parts = CHOICE_SOURCES.map(load);
        // meanOfMlps is held to its parts' mean logit by test/policy/ensemble.test.ts
        policy = meanOfMlps(parts);
        parts.forEach((p) => p.dispose());
      } else {
        policy = load(source);
      }
      const ev = await evaluate({
        docs, queries, qrels: raw.qrels, queryReduce: 'sum', kernels, methods: ['mean', 'reinpool'],
        reinpool: policyCompressor(policy, 'mean', kernels).with({}), perQuery: true,
      });
      policy.dispose();
      const m = ev.methods.reinpool;
      per.ndcg3.push(m['ndcg@3']);
      per.ndcg10.push(m['ndcg@10']);
      per.r100.push(m['recall@100']);
      perQuery.push(ev.perQuery!.methods.reinpool['ndcg@3']);
      meanPerQuery = ev.perQuery!.methods.mean['ndcg@3'];
      out.mean = ev.methods.mean;
    }
    // as the seed summary does: each query's NDCG@3 averaged over the seeds, against mean pooling's
    const averaged = meanPerQuery.map((_, q) => perQuery.reduce((a, p) => a + p[q], 0) / perQuery.length);
    const test = pairedRandomizationTest(averaged, meanPerQuery);
    const s = { ndcg3: meanInterval(per.ndcg3), ndcg10: meanInterval(per.ndcg10), r100: meanInterval(per.r100), vsMean: test };
    out[source] = s;
    const f = (v: { mean: number; ci95: number }) => `${v.mean.toFixed(4)} ± ${v.ci95.toFixed(4)}`;
    console.log(`| ${source} | ${per.ndcg3.map((v) => v.toFixed(4)).join(' / ')} | ${f(s.ndcg3)} | ${f(s.ndcg10)} | ${f(s.r100)} | ${test.meanDiff >= 0 ? '+' : ''}${test.meanDiff.toFixed(4)}, p = ${test.p.toFixed(3)} |`);
  }
  const json = arg('json');
  if (json) writeJsonAtomic(json, out);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
