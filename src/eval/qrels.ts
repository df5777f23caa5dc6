/**
 * Relevance judgements for evaluate(): accepted as io's QrelEntry list ({qid, docid, rel}, what
 * readBeirQrels and readTrecQrels return), [qid, docid, rel] tuples, a nested record or map
 * (pytrec_eval style), or the kernels' Qrels CSR aligned with the query set. They are turned into
 * the CSR the metric kernels read, restricted to the queries that have at least one relevant
 * (gain > 0) judgement: trec_eval's average runs over the queries of the qrels file, and the
 * qrels.txt written beside the runs holds exactly these queries, so both agree.
 */
import type { QrelEntry } from '../io';
import type { Qrels } from '../kernels/types';
import { isTypedArray } from '../kernels/validate';

export type { QrelEntry };

export type QrelsInput =
  | QrelEntry[]
  | Array<[string, string, number]>
  | Record<string, Record<string, number>>
  | Map<string, Map<string, number>>
  | Qrels;

export interface PreparedQrels {
  /** indices into the query set of the evaluated queries (>= 1 relevant judgement), in query order */
  queries: Int32Array;
  /** CSR over the evaluated queries; judged documents absent from the corpus get indices >= corpus size */
  csr: Qrels;
  /** ids of the evaluated queries */
  queryIds: string[];
  /** the corpus ids followed by the ids of judged documents that are not in the corpus */
  docIds: string[];
  /** judged documents not in the corpus (they count in the ideal DCG and in recall, as in trec_eval) */
  missingDocs: number;
  /** query ids in the qrels that have no vectors (cannot be evaluated; not in qrels.txt) */
  queriesWithoutVectors: string[];
  /** queries with vectors but no relevant judgement (left out of every average) */
  queriesWithoutRelevant: number;
}

function isCsr(x: unknown): x is Qrels {
  return typeof x === 'object' && x !== null && isTypedArray((x as Qrels).offsets, 'Int32Array')
    && isTypedArray((x as Qrels).docs, 'Int32Array') && isTypedArray((x as Qrels).gains, 'Float32Array');
}

/** The judgements as query id -> (doc id -> gain); later duplicates win. */
export function qrelsToMap(input: QrelsInput, queryIds: string[], docIds: string[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const put = (q: string, d: string, g: number) => {
    if (typeof g !== 'number' || Number.isNaN(g)) throw new TypeError(`qrels: gain of (${q}, ${d}) must be a number, got ${String(g)}`);
    let m = out.get(q);
    if (!m) out.set(q, (m = new Map<string, number>()));
    m.set(d, g);
  };
  if (isCsr(input)) {
    if (input.offsets.length !== queryIds.length + 1) {
      throw new RangeError(`qrels: the CSR has ${input.offsets.length - 1} rows but there are ${queryIds.length} queries`);
    }
    for (let q = 0; q < queryIds.length; q++) {
      for (let i = input.offsets[q]; i < input.offsets[q + 1]; i++) {
        const d = input.docs[i];
        if (d < 0) throw new RangeError(`qrels: docs[${i}] must be >= 0, got ${d}`);
        put(queryIds[q], d < docIds.length ? docIds[d] : `missing-doc-${d}`, input.gains[i]);
      }
    }
  } else if (input instanceof Map) {
    for (const [q, m] of input) for (const [d, g] of m) put(String(q), String(d), g);
  } else if (Array.isArray(input)) {
    for (const e of input as Array<QrelEntry | [string, string, number]>) {
      if (Array.isArray(e)) put(String(e[0]), String(e[1]), e[2]);
      else put(String(e.qid), String(e.docid), e.rel);
    }
  } else if (typeof input === 'object' && input !== null) {
    for (const q of Object.keys(input)) for (const [d, g] of Object.entries(input[q])) put(q, d, g);
  } else {
    throw new TypeError('qrels must be an array of {qid, docid, rel} or [qid, docid, rel], a nested record or map, or a Qrels CSR');
  }
  return out;
}

export function prepareQrels(input: QrelsInput, queryIds: string[], docIds: string[]): PreparedQrels {
  const judged = qrelsToMap(input, queryIds, docIds);
  const docIndex = new Map<string, number>();
  docIds.forEach((id, i) => {
    if (docIndex.has(id)) throw new RangeError(`docs.ids has a duplicate id '${id}' (indices ${docIndex.get(id)} and ${i})`);
    docIndex.set(id, i);
  });
  const allDocIds = docIds.slice();
  const queryIndex = new Set<string>();
  const evalQueries: number[] = [];
  const offsets: number[] = [0];
  const docs: number[] = [];
  const gains: number[] = [];
  let withoutRelevant = 0;
  queryIds.forEach((qid, q) => {
    if (queryIndex.has(qid)) throw new RangeError(`queries.ids has a duplicate id '${qid}'`);
    queryIndex.add(qid);
    const m = judged.get(qid);
    if (!m || ![...m.values()].some((g) => g > 0)) {
      withoutRelevant++;
      return;
    }
    evalQueries.push(q);
    for (const [d, g] of m) {
      let idx = docIndex.get(d);
      if (idx === undefined) {
        idx = allDocIds.length;
        allDocIds.push(d);
        docIndex.set(d, idx);
      }
      docs.push(idx);
      gains.push(g);
    }
    offsets.push(docs.length);
  });
  return {
    queries: Int32Array.from(evalQueries),
    csr: { offsets: Int32Array.from(offsets), docs: Int32Array.from(docs), gains: Float32Array.from(gains) },
    queryIds: evalQueries.map((q) => queryIds[q]),
    docIds: allDocIds,
    missingDocs: allDocIds.length - docIds.length,
    queriesWithoutVectors: [...judged.keys()].filter((q) => !queryIndex.has(q)),
    queriesWithoutRelevant: withoutRelevant,
  };
}
