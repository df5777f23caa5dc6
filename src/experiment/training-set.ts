/**
 * Stage 2 of an experiment: the training set. Whatever the source of the synthetic queries, training
 * gets one shape: documents, multi-vector queries, each query's owner (an index into those documents)
 * and the prompt documents (indices into them).
 *
 *   ict     inverse-cloze queries cut from a seeded sample of corpus documents. Without removal the
 *           documents are the corpus; with removal (removeProb > 0) they are the shortened documents
 *           that still own a query (one too short to keep a context after its cuts gets none).
 *   train   the dataset's own qrels/train.tsv queries, each owned by its relevant corpus document; the
 *           prompts are those owners (sampled down to trainDocs).
 *   keywords  per sampled document, queriesPerDoc bags of 3-8 words of its body drawn by tf x idf over
 *           the corpus (encode/synthetic.ts, keywordQueryTexts); the documents are the corpus, whole.
 *           A few rare words, as a search query names its subject; what it teaches is a stop-word
 *           filter (docs/training.md).
 *   title   each sampled document's own title as its one query, the document without its title as
 *           its context (documents whose title has fewer than TITLE_MIN_TOKENS known tokens, or whose
 *           body has none, are not sampled). A title is written to say what its document is about,
 *           as a search query is; no query or judgement of the dataset is read.
 *   auto    (the default) title when at least TITLE_MIN_SHARE of the documents training may use
 *           (trainDocIds, else the corpus) has such a title, else lead (a corpus of vectors:
 *           spans). On SciFact's development queries in NPL's form (title and abstract run
 *           together, lower case, letters only: bench/untitled-collection.ts) lead beat the mean of
 *           the three policies, ict and keywords (docs/training.md, "A development collection in
 *           NPL's form").
 *   lead    each sampled document's first 3-8 known words (of its body; a title would be its lead)
 *           as its one query, cut from it. Where a corpus runs its titles into its text, as NPL's
 *           does, the lead is the title's start.
 *   choose  one policy per generator of CHOICE_SOURCES (ict, lead, keywords), each judged on the other
 *           generators' held-out documents; the best is kept (query-choice.ts). trainingPlan names
 *           the candidates; buildTrainingSet builds one of them at a time.
 *   ensemble  the same three policies, their keep-logits averaged into one MLP (policy/ensemble.ts).
 *   spans   (a corpus of vectors without text: SelfQueryData) inverse cloze on vectors, encode/spans.ts:
 *           spans of a seeded sample of documents' token vectors, each cut out of the document that
 *           trains on it; the documents are the shortened ones that own a span.
 *
 * Test queries and their judgements are never read here, except by the test-query ceiling (a
 * diagnostic, ceilings.ts), which passes the test split as querySplit.
 */
import { beirTrainingQueriesWith, centerSet, documentFrequencies, inverseClozeWith, keywordQueryTexts, leadQueryTexts, meanVector, spanQueries, SPAN_DEFAULTS, tokenRows } from '../encode';
import { dropStopVectors, findStopVectors } from '../encode/stopvectors';
import { subset } from '../io';
import type { Kernels, MultiVectorSet } from '../kernels/types';
import { sampleSorted, sampleTrainDocs } from '../train/sample';
import type { ExperimentData, SelfQueryData } from './data';

/** What the training set is made of unless an option says otherwise (the CLI shows these). */
export const TRAINING_SET_DEFAULTS = {
  source: 'auto' as const,
  trainDocs: 5000,
  queriesPerDoc: 3,
  removeProb: 1,
  queryTokens: 0,
  maxCut: 1,
};

/** Rng stream of every sample drawn from a given list of corpus documents (owners, titled, listed ids). */
const LISTED_SAMPLE_STREAM = 556;

/** Where the synthetic queries come from (the CLI's --train-queries). */
export type QuerySource = 'auto' | 'choose' | 'ensemble' | 'ict' | 'keywords' | 'lead' | 'title' | 'train';
/** The generators `choose` trains a policy on each, and judges each policy on the others' held-out documents. */
export const CHOICE_SOURCES = ['ict', 'lead', 'keywords'] as const;
export type SingleSource = Exclude<QuerySource, 'auto' | 'choose' | 'ensemble'>;
/** How a run turns its training sets into one policy: the one set's, the choice's, or the candidates' mean. */
export type Combine = 'single' | 'choose' | 'ensemble';

export interface TrainingSetOptions {
  /** 'auto' (default: title where the corpus has titles, else lead), 'choose' (the best of ict, lead and keywords on the others' held-out documents: query-choice.ts), 'ensemble' (the mean of those three policies), 'ict', 'keywords' (tf x idf words), 'lead' (first words), 'title' (each document's title) or 'train' (qrels/train.tsv) */
  source?: QuerySource;
  seed: number;
  /** documents sampled as training prompts (default min(2000, corpus); train: every owner) */
  trainDocs?: number;
  /** the corpus documents that may be sampled, by id (default: every non-empty document) */
  trainDocIds?: string[];
  /** inverse cloze: queries per document (default 3) */
  queriesPerDoc?: number;
  /** inverse cloze: probability that a query's sentence is taken out of its document (default 0) */
  removeProb?: number;
  /** inverse cloze: longest query in tokens (0: whole sentences) */
  queryTokens?: number;
  /** inverse cloze with removal: the largest share of a windowed document its windows take (default 1) */
  maxCut?: number;
  /** spans: shortest and longest span in vectors (default SPAN_DEFAULTS: 4 and 16) */
  spanTokens?: [number, number];
  /** source 'train': the qrels split whose queries train (default 'train'; the test-query ceiling passes the test split) */
  querySplit?: string;
}

export interface TrainingSet {
  /** what the reward ranks: the corpus, or the shortened inverse-cloze documents */
  docs: MultiVectorSet;
  /** synthetic queries, multi-vector */
  queries: MultiVectorSet;
  /** owner[q] = index into docs of the document query q was made for */
  owner: Int32Array;
  /** rollout prompts: indices into docs */
  prompts: Int32Array;
  /** corpusDoc[i] = the corpus document that docs item i was made from (a held-out corpus document is held out of every generator's set) */
  corpusDoc: Int32Array;
  /** corpus documents sampled for training (before removal drops those too short) */
  sampled: number;
  /** where the queries come from, for reports */
  kind: string;
}

/**
 * Synthetic queries (and shortened contexts) are encoded by data.encoder, as the corpus was; its
 * lookup decides which tokens count for the inverse-cloze length rules (GloVe: in-vocabulary words;
 * use: every [a-z0-9]+ token).
 */
export async function buildTrainingSet(data: ExperimentData | SelfQueryData, o: TrainingSetOptions): Promise<TrainingSet> {
  if (!('corpus' in data)) return spanTrainingSet(data, o);
  const { corpus, docs, docTexts, encoder } = data;
  const { sources } = trainingPlan(data, o);
  if (sources.length !== 1) throw new RangeError(`train-queries ${String(o.source)}: ${sources.length} candidate sets; build each of trainingPlan().sources in turn`);
  const source = sources[0];
  if (source === 'title') {
    const titled = titledDocs(data, o.trainDocIds);
    return titleTrainingSet(data, titled, o.trainDocIds?.length ?? corpus.length, o);
  }
  if (source === 'train') {
    const split = o.querySplit ?? 'train';
    const bt = await beirTrainingQueriesWith(encoder, data.beir, corpus.map((d) => d.id), split);
    if (bt.owner.length === 0) throw new Error(`train-queries: ${data.beir}/qrels/${split}.tsv gives no usable training query`);
    const owners = Int32Array.from(new Set(bt.owner)).sort();
    const prompts = sampleSorted(owners, o.trainDocs ?? owners.length, o.seed, LISTED_SAMPLE_STREAM);
    const inTrain = new Set(prompts);
    const keep = Array.from(bt.owner.keys()).filter((q) => inTrain.has(bt.owner[q]));
    return {
      docs, queries: subset(bt.vectors, keep), owner: Int32Array.from(keep, (q) => bt.owner[q]), prompts, corpusDoc: identity(corpus.length),
      sampled: prompts.length, kind: `qrels/${split}.tsv`,
    };
  }
  const sample = o.trainDocIds ? sampleListed(data, o.trainDocIds, o.trainDocs, o.seed) : sampleTrainDocs(docs, o.trainDocs ?? TRAINING_SET_DEFAULTS.trainDocs, o.seed);
  if (source === 'keywords') {
    // drawn from the body: where a corpus has titles (an explicit --train-queries keywords), the title is not the query's source
    const kw = keywordQueryTexts(encoder.lookup, Array.from(sample, (d) => corpus[d].text), documentFrequencies(encoder.lookup, docTexts), {
      perDoc: o.queriesPerDoc ?? TRAINING_SET_DEFAULTS.queriesPerDoc, seed: o.seed,
    });
    if (kw.owner.length === 0) throw new Error('train-queries keywords: no training document has 3 or more words that some other document lacks');
    const owner = Int32Array.from(kw.owner, (i) => sample[i]);
    return {
      docs, queries: await encoder.encodeTexts(kw.texts), owner, prompts: Int32Array.from(new Set(owner)), corpusDoc: identity(corpus.length),
      sampled: sample.length, kind: 'keywords (tf x idf)',
    };
  }
  if (source === 'lead') {
    // the body only: a title, where there is one, would be the lead
    const lead = leadQueryTexts(encoder.lookup, Array.from(sample, (d) => corpus[d].text), { seed: o.seed });
    if (lead.owner.length === 0) throw new Error('train-queries lead: no training document has twice as many known words as its lead');
    return {
      docs: await encoder.encodeTexts(lead.contexts), queries: await encoder.encodeTexts(lead.texts), owner: Int32Array.from(lead.owner.keys()),
      prompts: Int32Array.from(lead.owner.keys()), corpusDoc: Int32Array.from(lead.owner, (i) => sample[i]),
      sampled: sample.length, kind: 'lead words (3-8, cut from their documents)',
    };
  }
  const removeProb = o.removeProb ?? TRAINING_SET_DEFAULTS.removeProb;
  const icOpts = {
    perDoc: o.queriesPerDoc ?? TRAINING_SET_DEFAULTS.queriesPerDoc, seed: o.seed, removeProb, maxTokens: o.queryTokens ?? TRAINING_SET_DEFAULTS.queryTokens,
    maxCut: o.maxCut ?? TRAINING_SET_DEFAULTS.maxCut,
  };
  const ic = await inverseClozeWith(encoder, Array.from(sample, (d) => docTexts[d]), icOpts);
  if (removeProb === 0) {
    return {
      docs, queries: ic.vectors, owner: Int32Array.from(ic.owner, (i) => sample[i]), prompts: sample, corpusDoc: identity(corpus.length),
      sampled: sample.length, kind: 'inverse-cloze',
    };
  }
  const withQuery = Int32Array.from(new Set(ic.owner));
  if (withQuery.length === 0) throw new Error('ict-remove: no training document is long enough to keep a context once its queries are cut out');
  const index = new Map(Array.from(withQuery, (d, i) => [d, i]));
  return {
    docs: await encoder.encodeTexts(Array.from(withQuery, (d) => ic.contexts[d])),
    queries: ic.vectors,
    owner: Int32Array.from(ic.owner, (d) => index.get(d)!),
    prompts: Int32Array.from(withQuery.keys()),
    corpusDoc: Int32Array.from(withQuery, (d) => sample[d]),
    sampled: sample.length,
    kind: `inverse-cloze (sentence removed with p=${removeProb})`,
  };
}

/**
 * The training sets a run trains on and how it combines them: one source, or the candidates of
 * CHOICE_SOURCES, chosen among (choose) or averaged (ensemble). 'auto' is 'title' where at least
 * TITLE_MIN_SHARE of the documents training may use have a title, else 'lead'.
 */
export function trainingPlan(data: ExperimentData | SelfQueryData, o: Pick<TrainingSetOptions, 'source' | 'trainDocIds'>): { sources: SingleSource[]; combine: Combine } {
  const source = o.source ?? TRAINING_SET_DEFAULTS.source;
  if (!('corpus' in data)) {
    if (source !== 'auto' && source !== 'ict') throw new Error(`train-queries: a corpus of vectors has no '${source}' queries; it trains on spans of its own vectors`);
    return { sources: ['ict'], combine: 'single' };
  }
  if (source === 'choose' || source === 'ensemble') return { sources: [...CHOICE_SOURCES], combine: source };
  if (source !== 'auto') return { sources: [source], combine: 'single' };
  const titled = titledDocs(data, o.trainDocIds);
  return titled.length >= TITLE_MIN_SHARE * (o.trainDocIds?.length ?? data.corpus.length)
    ? { sources: ['title'], combine: 'single' } : { sources: ['lead'], combine: 'single' };
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** A title needs this many tokens the encoder knows to be a training query. */
export const TITLE_MIN_TOKENS = 3;
/** source 'auto' trains on titles when at least this share of the documents training may use (trainDocIds, else the corpus) has one */
export const TITLE_MIN_SHARE = 0.5;

/** Indices of the corpus documents (those listed, if a list is given) with a title of TITLE_MIN_TOKENS known tokens and a body. */
function titledDocs(data: ExperimentData, ids?: string[]): Int32Array {
  const allowed = ids ? new Set(ids) : undefined;
  const known = (s: string) => tokenRows(s, data.encoder.lookup).length;
  const out: number[] = [];
  data.corpus.forEach((d, i) => { if ((!allowed || allowed.has(d.id)) && known(d.title) >= TITLE_MIN_TOKENS && known(d.text) > 0) out.push(i); });
  return Int32Array.from(out);
}

/** Titles as queries (source 'title'): one per sampled document, cut from it. */
async function titleTrainingSet(data: ExperimentData, titled: Int32Array, pool: number, o: TrainingSetOptions): Promise<TrainingSet> {
  const { corpus, encoder } = data;
  const which = o.trainDocIds ? 'training document' : 'document';
  if (titled.length === 0) throw new Error(`train-queries title: no ${which} of ${data.beir} has a title of ${TITLE_MIN_TOKENS} or more known words and a body`);
  const sample = sampleSorted(titled, o.trainDocs ?? TRAINING_SET_DEFAULTS.trainDocs, o.seed, LISTED_SAMPLE_STREAM);
  return {
    docs: await encoder.encodeTexts(Array.from(sample, (d) => corpus[d].text)),
    queries: await encoder.encodeTexts(Array.from(sample, (d) => corpus[d].title)),
    owner: Int32Array.from(sample.keys()),
    prompts: Int32Array.from(sample.keys()),
    corpusDoc: sample,
    sampled: sample.length,
    kind: `titles (${titled.length} of ${pool} ${which}s have one; cut from their documents)`,
  };
}

/** The training set of a corpus of vectors: span queries cut out of a seeded sample of its documents. */
function spanTrainingSet(data: SelfQueryData, o: TrainingSetOptions): TrainingSet {
  if (o.source !== undefined && o.source !== 'auto' && o.source !== 'ict') throw new Error(`train-queries: a corpus of vectors has no '${String(o.source)}' queries; it trains on spans of its own vectors`);
  const [minTokens, maxTokens] = o.spanTokens ?? [SPAN_DEFAULTS.minTokens, SPAN_DEFAULTS.maxTokens];
  const sample = sampleTrainDocs(data.docs, o.trainDocs ?? TRAINING_SET_DEFAULTS.trainDocs, o.seed);
  const sp = spanQueries(subset(data.docs, sample), { perDoc: o.queriesPerDoc ?? TRAINING_SET_DEFAULTS.queriesPerDoc, minTokens, maxTokens, seed: o.seed });
  const withQuery = Int32Array.from(new Set(sp.owner));
  if (withQuery.length === 0) throw new Error(`span-tokens: no training document is long enough for a span of ${minTokens} vectors and a context of ${SPAN_DEFAULTS.minContext}`);
  const index = new Map(Array.from(withQuery, (d, i) => [d, i]));
  return {
    docs: subset(sp.contexts, withQuery),
    queries: sp.vectors,
    owner: Int32Array.from(sp.owner, (d) => index.get(d)!),
    prompts: Int32Array.from(withQuery.keys()),
    corpusDoc: Int32Array.from(withQuery, (d) => sample[d]),
    sampled: sample.length,
    kind: `vector spans (${minTokens}-${maxTokens} vectors, cut out of their documents)`,
  };
}

function sampleListed(data: ExperimentData, ids: string[], k: number | undefined, seed: number): Int32Array {
  const index = new Map(data.corpus.map((d, i) => [d.id, i]));
  const listed = Int32Array.from(ids, (id) => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`training document '${id}' is not in the corpus`);
    return i;
  }).sort();
  return sampleSorted(listed, k ?? listed.length, seed, LISTED_SAMPLE_STREAM);
}

/**
 * "All-but-the-top" centring: the corpus mean token vector subtracted from every vector that training
 * and evaluation see (corpus, test queries, training documents and queries). Computed once; a training
 * set on the corpus itself shares the centred corpus.
 */
export function centerExperiment<D extends { docs: MultiVectorSet; queries: MultiVectorSet }>(data: D, training: TrainingSet): { data: D; training: TrainingSet; mean: Float32Array } {
  const mu = meanVector(data.docs);
  const docs = centerSet(data.docs, mu);
  return {
    mean: mu,
    // self-queries: the queries are the documents, centred once
    data: { ...data, docs, queries: data.queries === data.docs ? docs : centerSet(data.queries, mu) },
    training: {
      ...training,
      docs: training.docs === data.docs ? docs : centerSet(training.docs, mu),
      queries: centerSet(training.queries, mu),
    },
  };
}

/**
 * The training set with the corpus's function words taken out of its synthetic queries: every query
 * vector held, bit for bit, by more than `maxDf` of the corpus documents (encode/stopvectors.ts). An
 * inverse-cloze sentence shares its own document's function words ("the", "of", "and"), so a reward
 * on whole sentences pays a pooled vector for keeping them, and real queries reward the opposite
 * (docs/training.md, "Function words in the synthetic queries"). Run after centring, on the centred
 * corpus (a word's centred vector is the same bits in a query and in a document). A query made only of
 * such vectors keeps them.
 */
export function dropQueryStopVectors(training: TrainingSet, corpus: MultiVectorSet, maxDf: number): { training: TrainingSet; removed: number } {
  const stop = findStopVectors(corpus, maxDf);
  return { training: { ...training, queries: dropStopVectors(training.queries, stop) }, removed: stop.df.length };
}

/**
 * Who a synthetic query is relevant to (the CLI's --train-labels): 'source', the document it was made
 * from (cut from it, or drawn from it), or 'maxsim', the training document that full MaxSim over every
 * vector ranks first for it. What ReinPool's pooled vector must do is retrieve as MaxSim does, and a
 * query cut from its document often has none of its words left there: on NPL, MaxSim ranks an
 * inverse-cloze query's own document first for 5% of the queries and in its top 10 for 13%, so most
 * rewards are ones no selection can earn (SciFact, titles withheld: 38% and 61%).
 */
export type TrainLabels = 'source' | 'maxsim';

/**
 * The training set with every query owned by the training document MaxSim ranks first for it (ties:
 * the lower index, the kernel's order), or with `depth` > 1 by each of its first `depth` documents, one
 * copy of the query per document (what the pooled vectors must reproduce is MaxSim's ranking, and on
 * short documents its first document is one of several it ranks close together); the prompts become
 * the documents that own a query. The multi-vector index itself is the teacher: no label is read.
 * `changed` counts the queries whose first owner moved. Run it on the set as training sees it
 * (centred, stop vectors out): the teacher then ranks the same vectors the reward does.
 */
export function labelByMaxSim(training: TrainingSet, kernels: Pick<Kernels, 'maxSimTopK'>, depth = 1): { training: TrainingSet; changed: number } {
  if (!(Number.isInteger(depth) && depth >= 1)) throw new RangeError(`maxsimDepth: expected a whole number >= 1, got ${depth}`);
  const { queries } = training;
  const top = kernels.maxSimTopK({ queries, docs: training.docs, k: depth });
  const nq = training.owner.length;
  // a query without vectors (or a set of empty documents) ranks nothing: it keeps its source
  const ownersOf = (q: number): number[] => {
    const found = queries.offsets[q + 1] > queries.offsets[q] ? Array.from(top.ids.subarray(q * top.k, (q + 1) * top.k)).filter((d) => d >= 0) : [];
    return found.length ? found : [training.owner[q]];
  };
  const owners = Array.from({ length: nq }, (_, q) => ownersOf(q));
  let changed = 0;
  for (let q = 0; q < nq; q++) if (owners[q][0] !== training.owner[q]) changed++;
  const owner = Int32Array.from(owners.flat());
  const prompts = Int32Array.from(new Set(owner)).sort();
  if (depth === 1) {
    return { training: { ...training, owner, prompts, kind: `${training.kind}, each owned by its MaxSim-first document` }, changed };
  }
  // one copy of query q's vectors per owner
  const copies = subset(queries, owners.flatMap((o, q) => o.map(() => q)));
  return {
    training: { ...training, queries: copies, owner, prompts, kind: `${training.kind}, each owned by its first ${depth} MaxSim documents (one copy per document)` },
    changed,
  };
}
