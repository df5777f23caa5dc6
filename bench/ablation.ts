/**
 * Ablations for what the ReinPool paper leaves out: group size, learning rate, synthetic queries per
 * document, policy type. Each row is one `reinpool experiment` pipeline run (src/cli/pipeline.ts) on a
 * real BEIR folder with a short training budget, evaluated on the full corpus against the test
 * queries; one Markdown table comes out. Budgets are small so the whole table runs in minutes on two
 * cores: the numbers are indicative, not converged.
 *
 *   node dist/bench/ablation.js [--beir DIR] [--steps N (300)] [--out FILE.md]
 */
import * as fs from 'fs';
import * as path from 'path';
import { runPipeline, PipelineOptions } from '../src/cli/pipeline';
import type { TrainConfig } from '../src/train';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Row { label: string; options: Partial<PipelineOptions>; config: Partial<TrainConfig> }

const ROWS: Row[] = [
  { label: 'defaults (G=16, lr 3e-3, mlp, train queries)', options: {}, config: {} },
  { label: 'group size G=4', options: {}, config: { groupSize: 4 } },
  { label: 'group size G=8', options: {}, config: { groupSize: 8 } },
  { label: 'learning rate 1e-3', options: {}, config: { lr: 1e-3 } },
  { label: 'learning rate 1e-2', options: {}, config: { lr: 1e-2 } },
  { label: 'transformer policy', options: {}, config: { policy: { type: 'transformer' } } },
  { label: 'inverse cloze, 1 query/doc', options: { trainQueries: 'ict', queriesPerDoc: 1 }, config: {} },
  { label: 'inverse cloze, 5 queries/doc', options: { trainQueries: 'ict', queriesPerDoc: 5 }, config: {} },
];

async function main(): Promise<void> {
  const beir = arg('beir') ?? path.resolve(__dirname, '../../../shared/data/scifact');
  const steps = Number(arg('steps') ?? 300);
  const lines = [
    `Ablation on ${path.basename(beir)} (GloVe tokens centred on the corpus mean, ${steps} GRPO steps per row, seed 0; test NDCG@3 on the full corpus).`,
    '',
    '| setting | mean NDCG@3 | ReinPool NDCG@3 | vs mean | kept/doc | train s |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of ROWS) {
    const r = await runPipeline({
      beir, seed: 0, center: true, trainQueries: 'train', methods: ['mean'], budgets: [],
      ...row.options, config: { steps, ...row.config },
    });
    const mean = r.json.methods.mean['ndcg@3'];
    const rp = r.json.methods.reinpool['ndcg@3'];
    lines.push(`| ${row.label} | ${mean.toFixed(4)} | ${rp.toFixed(4)} | ${rp >= mean ? '+' : ''}${(rp - mean).toFixed(4)} | ${Number(r.json.reinpoolKeptPerDoc).toFixed(1)} | ${r.json.seconds.train.toFixed(0)} |`);
    console.error(lines[lines.length - 1]);
  }
  const table = lines.join('\n') + '\n';
  process.stdout.write(table);
  if (arg('out')) fs.writeFileSync(arg('out')!, table);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
