/**
 * Stage 1 of an experiment: read a BEIR folder and encode it. The corpus and the test queries (those
 * with a relevant judgement in qrels/SPLIT.tsv) become token vectors of the chosen encoder (GloVe by
 * default, or --encoder use); nothing here is trained.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadEncoder } from '../encode';
import type { EncodedSet, Encoder, EncoderName } from '../encode';
import { beirDocText, readBeirCorpus, readBeirQrels, readBeirQueries } from '../io';
import type { BeirDoc, QrelEntry } from '../io';
import { selfQueryTask } from '../eval/fidelity';
import type { FidelityGrading, FidelityOptions, SelfQueryTask } from '../eval/fidelity';
import type { MultiVectorSet } from '../kernels/types';

export interface ExperimentData {
  /** the BEIR folder */
  beir: string;
  split: string;
  corpus: BeirDoc[];
  /** title + text of every corpus document, in corpus order */
  docTexts: string[];
  docs: EncodedSet;
  /** the judged queries of the split */
  queries: EncodedSet;
  qrels: QrelEntry[];
  /** what encoded docs and queries; the training set encodes its synthetic queries with it too */
  encoder: Encoder;
}

export interface EncodeDataOptions {
  /** 'glove' (default) or 'use' */
  encoder?: EncoderName;
  /** cache directory of the encoder (default $REINPOOL_CACHE_DIR or ~/.cache/reinpool) */
  cacheDir?: string;
}

export async function loadExperimentData(beir: string, split: string, log: (msg: string) => void, eo: EncodeDataOptions = {}): Promise<ExperimentData> {
  const qrelsFile = path.join(beir, 'qrels', `${split}.tsv`);
  if (!fs.existsSync(qrelsFile)) throw new Error(`split: ${qrelsFile} not found`);
  const corpus = readBeirCorpus(beir);
  if (corpus.length === 0) throw new Error(`beir: ${beir}: empty corpus`);
  const qrels = readBeirQrels(beir, split);
  const judged = new Set(qrels.filter((e) => e.rel > 0).map((e) => e.qid));
  const testQueries = readBeirQueries(beir).filter((q) => judged.has(q.id));
  if (testQueries.length === 0) throw new Error(`beir: no query of queries.jsonl has a relevant judgement in qrels/${split}.tsv`);
  const name = eo.encoder ?? 'glove';
  log(name === 'glove' ? 'loading GloVe word vectors' : `loading the ${name} encoder`);
  const encoder = await loadEncoder(name, { cacheDir: eo.cacheDir, log });
  log(`encoder: ${encoder.describe}`);
  const docTexts = corpus.map(beirDocText);
  const docs = await encoder.encodeTexts(docTexts, { ids: corpus.map((d) => d.id) });
  const queries = await encoder.encodeTexts(testQueries.map((q) => q.text), { ids: testQueries.map((q) => q.id) });
  const n = corpus.length;
  const cached = docs.origin?.kind === 'cache' ? ' (from the cache)' : '';
  log(`encoded ${n} documents${cached} (${(docs.offsets[n] / n).toFixed(1)} vectors/doc, ${docs.empty.length} empty) and ${testQueries.length} test queries`);
  return { beir, split, corpus, docTexts, docs, queries, qrels, encoder };
}

/**
 * Stage 1 for a corpus of token vectors without text or queries (`experiment --docs --self-queries`):
 * the documents are their own queries and full MaxSim's top neighbours the judgements (the fidelity
 * check, eval/fidelity.ts). The reference is computed here, once, on the vectors as given.
 */
export interface SelfQueryData {
  split: 'self-queries';
  docs: MultiVectorSet;
  /** the documents themselves (same ids) */
  queries: MultiVectorSet;
  qrels: QrelEntry[];
  judged: number;
  grading: FidelityGrading;
  hubness: SelfQueryTask['hubness'];
}

export async function loadSelfQueryData(docs: MultiVectorSet, opts: FidelityOptions, log: (msg: string) => void): Promise<SelfQueryData> {
  const n = docs.offsets.length - 1;
  log(`self-queries: full MaxSim of each of ${n} documents against the other ${n - 1} (the reference)`);
  const task = await selfQueryTask(docs, opts);
  log(`self-queries: judged each document's top ${task.judged} MaxSim neighbours, graded ${task.grading === 'rank' ? 'by rank' : 'binary'}; `
    + `${task.hubness.judgedDocs} distinct documents judged, the most judged in ${task.hubness.mostJudged} of the ${n} sets`);
  return { split: 'self-queries', docs: task.docs, queries: task.queries, qrels: task.qrels, judged: task.judged, grading: task.grading, hubness: task.hubness };
}
