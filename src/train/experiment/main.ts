/**
 * End-to-end ReinPool on real text (SciFact, NPL from ../shared/data): GloVe token vectors,
 * inverse-cloze synthetic queries, GRPO training on a subsample, test NDCG@3 over the full corpus for
 * ReinPool vs mean pooling vs full MaxSim. Prints a Markdown table.
 *
 *   node dist/src/train/experiment/main.js [--data DIR] [--datasets scifact,npl] [--train-docs N]
 *        [--config JSON] [--queries ict|train] [--center true|false] [--maxsim] [--ablation DATASET] [--out DIR]
 *
 * --maxsim runs full MaxSim through the kernels (minutes with the native cpu backend, far longer with
 * the ts backend); without it the MaxSim column shows DESIGN.md's reference figures, marked (ref).
 */
import * as path from 'path';
import { getKernels } from '../../kernels';
import { initTf, tfBackendInfo } from '../../policy';
import { loadBeir } from './data';
import { runAblation } from './ablation';
import { runExperiment } from './run';

const REFERENCE_MAXSIM_NDCG3: Record<string, number> = { scifact: 0.46, npl: 0.39 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  await initTf();
  const dataDir = arg('data') ?? path.resolve(process.cwd(), '..', 'shared', 'data');
  const config = JSON.parse(arg('config') ?? '{}');
  const trainDocs = Number(arg('train-docs') ?? 1000);
  console.error(`tfjs backend: ${tfBackendInfo()?.backend}; kernels: ${getKernels().name}`);
  const ablation = arg('ablation');
  if (ablation) {
    console.log(await runAblation(path.join(dataDir, ablation), ablation, { trainDocs: Number(arg('train-docs') ?? 300), base: config, log: (l) => console.error(l) }));
    return;
  }
  const rows = ['| dataset | docs (train) | test q | mean NDCG@3 | ReinPool NDCG@3 | MaxSim NDCG@3 | recovered | keep | train time |', '|---|---|---|---|---|---|---|---|---|'];
  for (const name of (arg('datasets') ?? 'scifact,npl').split(',')) {
    const data = loadBeir(path.join(dataDir, name), name, {
      queries: arg('queries') === 'train' ? 'train' : 'ict',
      center: arg('center') !== 'false',
      removeProb: arg('remove') === undefined ? 0 : Number(arg('remove')),
    });
    const out = arg('out') ? path.join(arg('out')!, name) : undefined;
    const r = await runExperiment(data, { trainDocs, config, maxSim: process.argv.includes('--maxsim'), outDir: out });
    const ms = r.maxSim ? r.maxSim.ndcg3 : REFERENCE_MAXSIM_NDCG3[name];
    const msText = ms === undefined ? 'n/a' : `${ms.toFixed(3)}${r.maxSim ? '' : ' (ref)'}`;
    const rec = ms ? `${((100 * r.reinpool.ndcg3) / ms).toFixed(0)}% (mean ${((100 * r.mean.ndcg3) / ms).toFixed(0)}%)` : 'n/a';
    rows.push(`| ${name} | ${r.docs} (${r.trainDocs}) | ${r.testQueries} | ${r.mean.ndcg3.toFixed(4)} | ${r.reinpool.ndcg3.toFixed(4)} | ${msText} | ${rec} | ${r.keepRatio.toFixed(2)} | ${r.trainSeconds.toFixed(0)} s |`);
    console.error(rows[rows.length - 1]);
    r.run.policy.dispose();
  }
  console.log(rows.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
