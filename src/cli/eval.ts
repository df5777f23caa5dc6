/**
 * reinpool eval: compare retrieval methods on embedding files a user brings (ColBERT, ColPali...).
 */
import * as path from 'path';
import { Args, CliError, CliIO, CommandSpec, UsageError, progress } from './args';
import { writeJsonAtomic } from '../io/json';
import { SELECT_OPTIONS, SELF_QUERY_OPTIONS, checkQueueUrl, comparisonTable, loadCompressor, loadQrelsFile, loadSetFromArgs, methodList, selectOptions, selfQueriesLine, selfQueryOptions } from './common';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'eval',
  summary: 'Evaluate retrieval methods on precomputed multi-vector embeddings: maxsim (full late interaction), mean, max, '
    + 'tokenpool-N, muvera and, with --policy, reinpool. Prints NDCG@3/5/10, Recall@10/100, vectors and floats per document, '
    + 'compression against maxsim and the share of maxsim NDCG@3 each method recovers.',
  synopsis: '--docs FILE (--queries FILE --qrels FILE | --self-queries) [options]',
  options: {
    docs: { type: 'string', value: 'FILE', desc: 'document vectors (.npy/.npz/.safetensors): 2-D with --doc-offsets, padded 3-D, per-document arrays, or a `reinpool encode` file' },
    'doc-offsets': { type: 'string', value: 'FILE', desc: 'int offsets (documents + 1) delimiting each document\'s rows of a 2-D --docs' },
    'doc-ids': { type: 'string', value: 'FILE', desc: 'document ids: a text file (one per line) or an array file; default 0, 1, ... or the ids inside --docs' },
    queries: { type: 'string', value: 'FILE', desc: 'query vectors: padded 3-D (every row used), ragged 2-D with --query-offsets, or per-query arrays' },
    'query-offsets': { type: 'string', value: 'FILE', desc: 'int offsets (queries + 1) for a 2-D --queries' },
    'query-ids': { type: 'string', value: 'FILE', desc: 'query ids (must match the qrels)' },
    qrels: { type: 'string', value: 'FILE', desc: 'relevance judgements: BEIR tsv (query-id, corpus-id, score) or TREC qrels (qid 0 docid rel)' },
    ...SELF_QUERY_OPTIONS,
    methods: { type: 'string', value: 'LIST', desc: 'comma-separated: maxsim, mean, max, tokenpool, tokenpool-N, tokenpool-pfF, muvera, reinpool', default: 'maxsim,mean,max,tokenpool-1..32,muvera (+reinpool with --policy)' },
    policy: { type: 'string', value: 'DIR', desc: 'a trained reinpool policy (from `reinpool train`) for the reinpool method' },
    json: { type: 'string', value: 'FILE', desc: 'write the results as JSON (the "methods" object, recoveryNdcg3, compression, ...)' },
    runs: { type: 'string', value: 'DIR', desc: 'write NAME.run (TREC, top 1000) per method and qrels.txt, for trec_eval / pytrec_eval' },
    report: { type: 'string', value: 'DIR', desc: 'write report.md with methods.svg and budgets.svg' },
    depth: { type: 'string', value: 'N', desc: 'documents ranked per query (>= 100)', default: '1000 with --runs, else 100' },
    'query-reduce': { type: 'string', value: 'MODE', desc: 'one vector per query for single-vector methods: sum, mean or max', default: 'sum' },
    ...SELECT_OPTIONS,
    queue: { type: 'string', value: 'URL', desc: 'run maxsim sharded on this BullMQ queue (redis://HOST:PORT) by `reinpool worker`s; '
      + 'needs a 2-D --docs with --doc-offsets (or a `reinpool encode` file) on shared storage and --shard-dir' },
    'shard-dir': { type: 'string', value: 'DIR', desc: 'with --queue: shared directory for the queries, the MaxSim shards and their manifest' },
    'shard-docs': { type: 'string', value: 'N', desc: 'documents per MaxSim shard job with --queue', default: '4096' },
  },
  details: 'Ids: document and query ids come from --doc-ids/--query-ids, else from the files, else 0, 1, 2, ...\n'
    + 'Queries without a relevant judgement are left out of the averages (as trec_eval).\n'
    + 'With --self-queries (a corpus without queries): document ids are the query ids; no document ranks itself.',
  examples: [
    'reinpool eval --docs doc_vectors.npy --doc-offsets doc_offsets.npy --doc-ids doc_ids.txt \\\n'
    + '    --queries query_vectors.npy --query-ids query_ids.txt --qrels qrels.tsv --methods maxsim,mean',
    'reinpool eval --docs corpus.safetensors --queries queries.safetensors --qrels qrels/test.tsv --policy policy/ --json results.json --runs runs/',
    'reinpool eval --docs doc_vectors.npy --doc-offsets doc_offsets.npy --doc-ids doc_ids.txt --self-queries --methods maxsim,mean,muvera-1024',
  ],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'eval');
    // validate every argument before loading anything heavy
    const docsFile = args.file('docs', true)!;
    const self = args.flag('self-queries');
    if (self) {
      for (const o of ['queries', 'query-offsets', 'query-ids', 'qrels']) {
        if (args.has(o)) throw new UsageError(`--${o}: not with --self-queries (the documents are the queries and MaxSim's neighbours the judgements)`);
      }
    }
    const fidelity = selfQueryOptions(args);
    const queriesFile = self ? undefined : args.file('queries', true)!;
    const qrelsFile = self ? undefined : args.file('qrels', true)!;
    for (const o of ['doc-offsets', 'doc-ids', 'query-offsets', 'query-ids']) args.file(o);
    const policyDir = args.str('policy') !== undefined ? args.dir('policy') : undefined;
    const methods = methodList(args, policyDir !== undefined);
    const jsonOut = args.output('json');
    const runsDir = args.str('runs') !== undefined ? path.resolve(args.required('runs')) : undefined;
    const reportDir = args.str('report') !== undefined ? path.resolve(args.required('report')) : undefined;
    const depth = args.int('depth', { min: 100 });
    const queryReduce = args.choice('query-reduce', ['sum', 'mean', 'max'] as const);
    const sel = selectOptions(args);
    const url = args.str('queue');
    const shardDir = url !== undefined ? path.resolve(args.required('shard-dir')) : undefined;
    const shardDocs = args.int('shard-docs', { min: 1, default: 4096 })!;
    if (url !== undefined) await checkQueueUrl(url);
    if (!policyDir && methods?.includes('reinpool')) throw new UsageError('--methods: reinpool needs --policy DIR');

    log(`loading ${[docsFile, queriesFile, qrelsFile].filter((f): f is string => f !== undefined).map((f) => path.basename(f)).join(', ')}`);
    let docs = loadSetFromArgs(args, { file: 'docs', offsets: 'doc-offsets', ids: 'doc-ids' })!;
    let queries: import('../kernels/types').MultiVectorSet;
    let qrels: import('../eval').QrelsInput;
    const ev = await import('../eval');
    let maxsim: import('../eval').Method | undefined;
    if (url !== undefined) {
      const { queueMaxSim } = await import('../queue/maxsim');
      const search = queueMaxSim({ url, dir: shardDir!, shardDocs, log, docs: { file: docsFile, ...(args.str('doc-offsets') ? { offsets: args.file('doc-offsets')! } : {}) } });
      const wrapped: typeof search = (qs, ds, k) => search(qs, ds, k).catch((e: Error) => { throw new CliError(`--queue: ${e.message}`); });
      maxsim = ev.maxsimMethod(wrapped);
    }
    let sq: import('../experiment/data').SelfQueryData | undefined;
    if (self) {
      const { loadSelfQueryData } = await import('../experiment/data');
      sq = await loadSelfQueryData(docs, { ...fidelity, reference: maxsim }, log)
        .catch((e: Error) => { throw e instanceof CliError ? e : new UsageError(`--self-queries: ${e.message}`); });
      ({ docs, queries, qrels } = sq);
    } else {
      queries = loadSetFromArgs(args, { file: 'queries', offsets: 'query-offsets', ids: 'query-ids' })!;
      if (docs.dim !== queries.dim) throw new UsageError(`--queries: dimension ${queries.dim} differs from --docs dimension ${docs.dim}`);
      qrels = loadQrelsFile('qrels', qrelsFile!);
    }

    // the policy's method searches with the queries as the policy expects them (centred, if it was trained so)
    let reinpool: import('../eval').Method | undefined;
    if (policyDir) {
      const c = await loadCompressor('policy', policyDir, sel);
      if (c.dim !== docs.dim) throw new UsageError(`--policy: the policy takes ${c.dim}-d vectors but --docs are ${docs.dim}-d`);
      log(`policy: ${c.describe}`);
      reinpool = ev.reinpoolMethod(c.compress, { queryReduce, prepareQueries: c.prepareQueries });
    }
    const named = methods ?? (reinpool ? [...ev.DEFAULT_EVAL_METHODS, 'reinpool'] : ev.DEFAULT_EVAL_METHODS);
    const chosen = named.map((m) => (m === 'maxsim' && maxsim ? maxsim : m === 'reinpool' && reinpool ? reinpool : m));
    const result = await ev.evaluate({
      docs, queries, qrels, methods: chosen, runsDir, depth, queryReduce, selfQueries: self,
      onProgress: io.quiet ? undefined : (m) => log(m),
    });
    io.stdout.write(`${result.docs} documents (${result.vectorsPerDoc.toFixed(1)} vectors x ${result.dim} per document), ${result.queries} queries, kernels: ${result.backend}\n`);
    if (sq) io.stdout.write(selfQueriesLine(sq, result.docs, result.queries));
    io.stdout.write('\n');
    io.stdout.write(comparisonTable(result));
    if (jsonOut) {
      writeJsonAtomic(jsonOut, sq ? { ...result, reference: { method: 'maxsim', judged: sq.judged, grading: sq.grading, hubness: sq.hubness } } : result);
      io.stdout.write(`\nJSON: ${jsonOut}\n`);
    }
    if (runsDir) io.stdout.write(`runs: ${runsDir} (trec_eval -m ndcg_cut.3,5,10 -m recall.10,100 ${path.join(runsDir, 'qrels.txt')} ${path.join(runsDir, 'NAME.run')})\n`);
    if (reportDir) {
      const r = ev.writeReport(reportDir, result, {
        title: 'reinpool eval',
        subtitle: self ? `docs: ${docsFile}; self-queries (MaxSim's neighbours as the judgements)` : `docs: ${docsFile}; queries: ${queriesFile}; qrels: ${qrelsFile}`,
        commands: [['reinpool eval', ...args.raw].join(' ')],
      });
      io.stdout.write(`report: ${r.report}\n`);
    }
    return 0;
  },
};
