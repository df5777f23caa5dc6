/**
 * Ablations for what the ReinPool paper leaves out: group size, learning rate, synthetic queries per
 * document, policy type, and (ours) the reward's direction and the inverse-cloze sentence removal.
 * Each row is one `reinpool experiment` pipeline run (src/experiment) on a real BEIR folder,
 * evaluated on the full corpus against the test queries; one Markdown table comes out. Budgets are
 * small so a table runs in minutes on two cores: the numbers are indicative, not converged.
 *
 * Two setups, each a base configuration that every row changes in one place:
 *   labelled   the dataset's own qrels/train.tsv queries (SciFact has them), the paper's inverse reward
 *   ict        no labels: inverse-cloze queries cut out of the document (--ict-remove 1) and the
 *              forward reward, the label-free setting that beats mean pooling (docs/training.md)
 *
 *   node dist/bench/ablation.js [--setup labelled|ict] [--beir DIR] [--steps N] [--train-docs N] [--out FILE.md]
 */
import * as fs from 'fs';
import * as path from 'path';
import { runExperiment } from '../src/experiment';
import type { ExperimentOptions } from '../src/experiment';
import type { TrainConfig } from '../src/train';
import { arg } from './lib';

function positiveInt(name: string): number | undefined {
  const v = arg(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got '${v}'`);
  return n;
}

interface Row { label: string; options?: Partial<ExperimentOptions>; config?: Partial<TrainConfig> }

interface Setup {
  describe: string;
  base: Partial<ExperimentOptions>;
  baseConfig: Partial<TrainConfig>;
  defaultSteps: number;
  rows: Row[];
}

const SHARED_ROWS: Row[] = [
  { label: 'group size G=4', config: { groupSize: 4 } },
  { label: 'group size G=8', config: { groupSize: 8 } },
  { label: 'learning rate 1e-3', config: { lr: 1e-3 } },
  { label: 'learning rate 1e-2', config: { lr: 1e-2 } },
  { label: 'transformer policy', config: { policy: { type: 'transformer' } } },
];

const SETUPS: Record<string, Setup> = {
  labelled: {
    describe: 'training queries from qrels/train.tsv, inverse reward',
    base: { trainQueries: 'train' },
    baseConfig: {},
    defaultSteps: 300,
    rows: [
      { label: 'defaults (G=16, lr 3e-3, mlp, train queries)' },
      ...SHARED_ROWS,
      { label: 'inverse cloze, 1 query/doc', options: { trainQueries: 'ict', queriesPerDoc: 1 } },
      { label: 'inverse cloze, 5 queries/doc', options: { trainQueries: 'ict', queriesPerDoc: 5 } },
    ],
  },
  ict: {
    describe: 'no labels: 3 inverse-cloze queries/doc cut out of the document, forward reward',
    base: { trainQueries: 'ict', removeProb: 1 },
    baseConfig: { reward: 'forward' },
    defaultSteps: 600,
    rows: [
      { label: 'defaults (G=16, lr 3e-3, mlp, forward reward, sentence removed)' },
      ...SHARED_ROWS,
      { label: '1 query/doc', options: { queriesPerDoc: 1 } },
      { label: '5 queries/doc', options: { queriesPerDoc: 5 } },
      { label: 'inverse reward (the paper\'s)', config: { reward: 'inverse' } },
      { label: 'sentence not removed', options: { removeProb: 0 } },
    ],
  },
};

async function main(): Promise<void> {
  const setupName = arg('setup') ?? 'labelled';
  const setup = SETUPS[setupName];
  if (!setup) throw new Error(`--setup: '${setupName}' is not one of ${Object.keys(SETUPS).join(', ')}`);
  const beir = arg('beir') ?? path.resolve(__dirname, '../../../shared/data/scifact');
  const steps = positiveInt('steps') ?? setup.defaultSteps;
  const trainDocs = positiveInt('train-docs');
  const lines = [
    `Ablation on ${path.basename(beir)}, ${setup.describe} (GloVe tokens centred on the corpus mean, ${steps} GRPO steps per row, seed 0; test NDCG@3 on the full corpus).`,
    '',
    '| setting | mean NDCG@3 | ReinPool NDCG@3 | vs mean | NDCG@10 mean / ReinPool | kept/doc | train s |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of setup.rows) {
    const r = await runExperiment({
      beir, seed: 0, center: true, trainDocs, methods: ['mean'], budgets: [],
      ...setup.base, ...row.options, config: { steps, ...setup.baseConfig, ...row.config },
    });
    const { mean, reinpool } = r.json.methods;
    const gain = reinpool['ndcg@3'] - mean['ndcg@3'];
    lines.push(`| ${row.label} | ${mean['ndcg@3'].toFixed(4)} | ${reinpool['ndcg@3'].toFixed(4)} | ${gain >= 0 ? '+' : ''}${gain.toFixed(4)} | ${mean['ndcg@10'].toFixed(4)} / ${reinpool['ndcg@10'].toFixed(4)} | ${Number(r.json.reinpoolKeptPerDoc).toFixed(1)} | ${r.json.seconds.train.toFixed(0)} |`);
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
