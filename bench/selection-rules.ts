/**
 * Selection rules of saved policies, side by side on one collection's queries: after
 *
 *   reinpool experiment --beir DIR --split S --seeds 3 --policy-out POL ...
 *
 * `node dist/bench/selection-rules.js --beir DIR --split S --policies POL [--seeds 0,1,2] [--topk 8,16,32] [--json FILE]`
 * scores each seed's policy (POL/seed-N/policy) on the split's queries as the experiment scores it
 * (GloVe vectors centred on the corpus mean) under:
 *
 * - `threshold`: the default, every vector of keep probability > 0.5 (a share of each document);
 * - `equal`: every document keeps its policy's m most probable vectors, m the mean count the threshold
 *   keeps per document of this corpus (the same number of vectors as the threshold in all, spread
 *   evenly over the documents: short ones kept whole, long ones cut);
 * - `top-k`: every document keeps its k most probable vectors, for each k of --topk.
 *
 * Mean pooling is the reference; a paired randomization test over queries compares each rule's
 * seed-averaged per-query NDCG@3 with the threshold's. A probe for choosing a default on development
 * queries (docs/training.md), not a method.
 *
 * `--queries lead` asks what a default could see by itself instead: 500 documents drawn at random
 * (seeded) lose their lead words (3-8, as `--train-queries lead` cuts them) and those words are the
 * queries, each judged relevant to its own document only, over the whole corpus compressed by the
 * rule. No query or judgement of the collection is read, so it may run on a test collection's corpus.
 */
import * as path from 'path';
import { centerSet, meanVector } from '../src/encode';
import type { MultiVectorSet } from '../src/kernels/types';
import { leadQueryTexts } from '../src/encode/synthetic';
import type { QrelEntry } from '../src/eval';
import { evaluate, reinpoolMethod } from '../src/eval';
import { meanInterval, pairedRandomizationTest } from '../src/eval/stats';
import { loadExperimentData, policyCompressor } from '../src/experiment';
import { writeJsonAtomic } from '../src/io/json';
import { getKernels } from '../src/kernels';
import { initTf, loadPolicy } from '../src/policy';
import type { SelectOptions } from '../src/policy';
import { Rng } from '../src/random';
import { arg } from './lib';

/** The collection's documents and split queries, or (`lead`) the corpus with 500 documents' lead words cut out as their queries. */
async function collection(beir: string, split: string, source: string): Promise<{ docs: MultiVectorSet; queries: MultiVectorSet; qrels: QrelEntry[] }> {
  const raw = await loadExperimentData(beir, split, () => undefined, {});
  if (source === 'split') return raw;
  if (source !== 'lead') throw new Error(`--queries: expected split or lead, got '${source}'`);
  const lead = leadQueryTexts(raw.encoder.lookup, raw.docTexts, { seed: 99 });
  const picked = Array.from(new Rng(1234).permutation(lead.owner.length).slice(0, 500));
  const texts = raw.docTexts.slice();
  for (const i of picked) texts[lead.owner[i]] = lead.contexts[i];
  const ids = raw.corpus.map((d) => d.id);
  return {
    docs: await raw.encoder.encodeTexts(texts, { ids }),
    queries: await raw.encoder.encodeTexts(picked.map((i) => lead.texts[i]), { ids: picked.map((i) => `lead-${i}`) }),
    qrels: picked.map((i) => ({ qid: `lead-${i}`, docid: ids[lead.owner[i]], rel: 1 })),
  };
}

async function main(): Promise<void> {
  const beir = arg('beir');
  const policies = arg('policies');
  if (!beir || !policies) throw new Error('usage: selection-rules --beir DIR --policies DIR [--split test] [--queries split|lead] [--seeds 0,1,2] [--topk 8,16,32] [--json FILE]');
  const split = arg('split') ?? 'test';
  const seeds = (arg('seeds') ?? '0,1,2').split(',').map(Number);
  const topks = (arg('topk') ?? '8,16,32').split(',').map(Number);
  const source = arg('queries') ?? 'split';
  await initTf();
  const raw = await collection(beir, split, source);
  const mu = meanVector(raw.docs);
  const docs = centerSet(raw.docs, mu);
  const queries = centerSet(raw.queries, mu);
  const kernels = getKernels();
  const nDocs = docs.offsets.length - 1;
  const rules = ['threshold', 'equal', ...topks.map((k) => `top-${k}`)];
  const per: Record<string, { ndcg3: number[]; ndcg10: number[]; r100: number[]; kept: number[]; perQuery: number[][] }> = {};
  for (const r of rules) per[r] = { ndcg3: [], ndcg10: [], r100: [], kept: [], perQuery: [] };
  let mean: { 'ndcg@3': number; 'ndcg@10': number; 'recall@100': number } | undefined;
  let meanPerQuery: number[] = [];
  for (const seed of seeds) {
    const policy = loadPolicy(path.join(policies, `seed-${seed}`, 'policy'));
    const compressor = policyCompressor(policy, 'mean', kernels);
    const keptOf = async (select: SelectOptions) => (await compressor.masks(docs, select)).reduce((a, b) => a + b, 0) / nDocs;
    const thresholdKept = await keptOf({});
    const m = Math.max(1, Math.round(thresholdKept));
    const selectOf = (r: string): SelectOptions => (r === 'threshold' ? {} : { select: 'topk', topK: r === 'equal' ? m : Number(r.slice(4)) });
    const ev = await evaluate({
      docs, queries, qrels: raw.qrels, queryReduce: 'sum', kernels, perQuery: true,
      methods: ['mean', ...rules.map((r) => reinpoolMethod(compressor.with(selectOf(r)), { name: r }))],
    });
    for (const r of rules) {
      const kept = r === 'threshold' ? thresholdKept : await keptOf(selectOf(r));
      per[r].ndcg3.push(ev.methods[r]['ndcg@3']);
      per[r].ndcg10.push(ev.methods[r]['ndcg@10']);
      per[r].r100.push(ev.methods[r]['recall@100']);
      per[r].kept.push(kept);
      per[r].perQuery.push(ev.perQuery!.methods[r]['ndcg@3']);
    }
    console.error(`seed ${seed}: equal budget m = ${m}; ${rules.map((r) => `${r} ${ev.methods[r]['ndcg@3'].toFixed(4)}`).join(', ')}`);
    mean = ev.methods.mean;
    meanPerQuery = ev.perQuery!.methods.mean['ndcg@3'];
    policy.dispose();
  }
  const averaged = (r: string) => meanPerQuery.map((_, q) => per[r].perQuery.reduce((a, p) => a + p[q], 0) / seeds.length);
  const f = (v: { mean: number; ci95: number }) => `${v.mean.toFixed(4)} ± ${v.ci95.toFixed(4)}`;
  const out: Record<string, unknown> = { dataset: path.basename(path.resolve(beir)), split, queries: source, seeds, mean };
  console.log(`mean pooling: NDCG@3 ${mean!['ndcg@3'].toFixed(4)}, NDCG@10 ${mean!['ndcg@10'].toFixed(4)}, R@100 ${mean!['recall@100'].toFixed(4)}`);
  console.log('| selection | vectors kept per document | NDCG@3 per seed | NDCG@3 | NDCG@10 | R@100 | vs mean pooling | vs threshold |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rules) {
    const a = averaged(r);
    const vsMean = pairedRandomizationTest(a, meanPerQuery);
    const vsThreshold = pairedRandomizationTest(a, averaged('threshold'));
    const s = { kept: per[r].kept, ndcg3: meanInterval(per[r].ndcg3), ndcg10: meanInterval(per[r].ndcg10), r100: meanInterval(per[r].r100), perSeedNdcg3: per[r].ndcg3, vsMean, vsThreshold };
    out[r] = s;
    const d = (t: { meanDiff: number; p: number }) => `${t.meanDiff >= 0 ? '+' : ''}${t.meanDiff.toFixed(4)}, p = ${t.p.toFixed(3)}`;
    console.log(`| ${r} | ${per[r].kept.map((k) => k.toFixed(1)).join(' / ')} | ${per[r].ndcg3.map((v) => v.toFixed(4)).join(' / ')} | ${f(s.ndcg3)} | ${f(s.ndcg10)} | ${f(s.r100)} | ${d(vsMean)} | ${r === 'threshold' ? '' : d(vsThreshold)} |`);
  }
  const json = arg('json');
  if (json) writeJsonAtomic(json, out);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
