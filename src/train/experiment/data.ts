/**
 * Real-data preparation for the ReinPool experiment, through src/io and src/encode: a BEIR folder ->
 * GloVe token vectors of the corpus and of the judged test queries, inverse-cloze synthetic queries
 * (sentences of each document) for training, and the test qrels in CSR.
 */
import { beirTrainingQueries, centerSet, encodeTexts, inverseCloze, loadWordVectors, meanVector } from '../../encode';
import { beirDocText, qrelsToCsr, readBeirCorpus, readBeirQrels, readBeirQueries } from '../../io';
import type { MultiVectorSet, Qrels } from '../../kernels/types';

export interface BeirData {
  name: string;
  docIds: string[];
  /** corpus token vectors (unit-norm GloVe, OOV dropped) */
  docs: MultiVectorSet;
  /** test queries that have judgements, as token vectors */
  testQueries: MultiVectorSet;
  testQrels: Qrels;
  /** synthetic queries (token vectors) and the document each was cut from */
  synthetic: MultiVectorSet;
  syntheticOwner: Int32Array;
  /** the documents the reward is computed on when they differ from `docs` (inverse cloze with removal) */
  trainingDocs?: MultiVectorSet;
  encodeSeconds: number;
}

export function loadBeir(dir: string, name: string, opts: {
  queriesPerDoc?: number; seed?: number; center?: boolean;
  /** training queries: inverse-cloze sentences (default) or the dataset's own qrels/train.tsv queries */
  queries?: 'ict' | 'train';
  /** inverse cloze: probability that a query sentence is taken out of the document it trains on */
  removeProb?: number;
} = {}): BeirData {
  const t0 = Date.now();
  const wv = loadWordVectors();
  const corpus = readBeirCorpus(dir);
  const qrels = readBeirQrels(dir, 'test');
  const judged = new Set(qrels.map((q) => q.qid));
  const testQ = readBeirQueries(dir).filter((q) => judged.has(q.id));
  const texts = corpus.map(beirDocText);
  const docIds = corpus.map((d) => d.id);
  const training = opts.queries === 'train'
    ? beirTrainingQueries(wv, dir, docIds, 'train')
    : inverseCloze(wv, texts, { perDoc: opts.queriesPerDoc ?? 3, seed: opts.seed ?? 0, removeProb: opts.removeProb ?? 0 });
  // Documents the policy trains on: with removal, each document without its query sentences.
  const contexts = 'contexts' in training && training.contexts.some((c, i) => c !== texts[i]) ? training.contexts : null;
  const docs = encodeTexts(wv, texts);
  const testQueries = encodeTexts(wv, testQ.map((q) => q.text));
  // One mean, from the corpus, for documents and every query (see centerSet).
  const mean = opts.center ?? true ? meanVector(docs) : null;
  const center = <T extends MultiVectorSet>(s: T): T => (mean ? centerSet(s, mean) : s);
  return {
    name,
    docIds,
    docs: center(docs),
    testQueries: center(testQueries),
    testQrels: qrelsToCsr(qrels, testQ.map((q) => q.id), docIds, { unknownDoc: 'skip' }),
    synthetic: center(training.vectors),
    trainingDocs: contexts ? center(encodeTexts(wv, contexts)) : undefined,
    syntheticOwner: training.owner,
    encodeSeconds: (Date.now() - t0) / 1000,
  };
}
