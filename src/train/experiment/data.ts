/**
 * Real-data preparation for the ReinPool experiment, through src/io and src/encode: a BEIR folder ->
 * GloVe token vectors of the corpus and of the judged test queries, inverse-cloze synthetic queries
 * (sentences of each document) for training, and the test qrels in CSR.
 */
import { encodeTexts, inverseCloze, loadWordVectors } from '../../encode';
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
  encodeSeconds: number;
}

export function loadBeir(dir: string, name: string, opts: { queriesPerDoc?: number; seed?: number } = {}): BeirData {
  const t0 = Date.now();
  const wv = loadWordVectors();
  const corpus = readBeirCorpus(dir);
  const qrels = readBeirQrels(dir, 'test');
  const judged = new Set(qrels.map((q) => q.qid));
  const testQ = readBeirQueries(dir).filter((q) => judged.has(q.id));
  const texts = corpus.map(beirDocText);
  const docIds = corpus.map((d) => d.id);
  const ict = inverseCloze(wv, texts, { perDoc: opts.queriesPerDoc ?? 3, seed: opts.seed ?? 0 });
  return {
    name,
    docIds,
    docs: encodeTexts(wv, texts),
    testQueries: encodeTexts(wv, testQ.map((q) => q.text)),
    testQrels: qrelsToCsr(qrels, testQ.map((q) => q.id), docIds, { unknownDoc: 'skip' }),
    synthetic: ict.vectors,
    syntheticOwner: ict.owner,
    encodeSeconds: (Date.now() - t0) / 1000,
  };
}
