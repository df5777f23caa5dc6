/**
 * What a selection drops, told by token: every vector of a text-encoded corpus carries the id of the
 * token it encodes (EncodedSet.rows: a GloVe word, a USE SentencePiece piece), so a keep mask can be
 * read as "which tokens does the policy throw away". Two views:
 *   byDf         the keep rate of the vectors whose token is held by a given share of the corpus's
 *                documents (its document frequency), in bands: does the policy act as a stop-word
 *                filter, or does it drop topical words?
 *   mostDropped  the tokens with at least MIN_VECTORS vectors in the corpus whose vectors are kept
 *                least often, with their document frequency.
 * A diagnostic of the experiment (in its JSON and log), not an input of any method.
 */

/** upper edges of the document-frequency bands (share of the corpus's documents holding the token) */
export const DF_BANDS = [0.001, 0.01, 0.05, 0.1, 0.3, 1];
const MIN_VECTORS = 100;
const LIST = 12;

export interface DroppedBand {
  /** the band's document-frequency range, e.g. '1%-5%' */
  df: string;
  /** vectors of the corpus whose token is in the band */
  vectors: number;
  /** share of those vectors the selection keeps */
  keepRate: number;
}

export interface DroppedToken {
  token: string;
  /** vectors of the corpus with this token */
  vectors: number;
  /** share of the corpus's documents holding the token */
  df: number;
  keepRate: number;
}

export interface DroppedReport {
  keepRate: number;
  byDf: DroppedBand[];
  mostDropped: DroppedToken[];
}

const pct = (x: number): string => `${+(100 * x).toPrecision(2)}%`;

/**
 * The report of `masks` (one 0/1 per vector of the corpus) over a corpus whose vector t encodes token
 * rows[t] (negative: no token, as an empty text's zero vector; such vectors are left out).
 */
export function whatTheSelectionDrops(rows: Int32Array, offsets: Int32Array, masks: Uint8Array, token: (id: number) => string): DroppedReport {
  const total = offsets[offsets.length - 1];
  if (rows.length !== total || masks.length !== total) {
    throw new RangeError(`whatTheSelectionDrops: ${rows.length} token ids and ${masks.length} mask entries for ${total} vectors`);
  }
  const nDocs = offsets.length - 1;
  let maxId = -1;
  for (let t = 0; t < total; t++) if (rows[t] > maxId) maxId = rows[t];
  const count = new Float64Array(maxId + 1);
  const kept = new Float64Array(maxId + 1);
  const docs = new Float64Array(maxId + 1);
  // lastDoc[id] = the last document that counted id, so a token repeated in a document counts once
  const lastDoc = new Int32Array(maxId + 1).fill(-1);
  for (let d = 0; d < nDocs; d++) {
    for (let t = offsets[d]; t < offsets[d + 1]; t++) {
      const id = rows[t];
      if (id < 0) continue;
      count[id]++;
      kept[id] += masks[t];
      if (lastDoc[id] !== d) { lastDoc[id] = d; docs[id]++; }
    }
  }
  const bands = DF_BANDS.map(() => ({ vectors: 0, kept: 0 }));
  const frequent: DroppedToken[] = [];
  let all = 0;
  let allKept = 0;
  for (let id = 0; id <= maxId; id++) {
    if (count[id] === 0) continue;
    all += count[id];
    allKept += kept[id];
    const df = docs[id] / nDocs;
    const b = bands[DF_BANDS.findIndex((edge) => df <= edge)];
    b.vectors += count[id];
    b.kept += kept[id];
    if (count[id] >= MIN_VECTORS) frequent.push({ token: token(id), vectors: count[id], df, keepRate: kept[id] / count[id] });
  }
  frequent.sort((a, b) => a.keepRate - b.keepRate || b.vectors - a.vectors);
  return {
    keepRate: all ? allKept / all : NaN,
    byDf: bands.map((b, i) => ({ df: `${i ? pct(DF_BANDS[i - 1]) : '0'}-${pct(DF_BANDS[i])}`, vectors: b.vectors, keepRate: b.vectors ? b.kept / b.vectors : NaN })),
    mostDropped: frequent.slice(0, LIST),
  };
}

/** Two log lines: the keep rate per band, and the most dropped tokens. */
export function describeDropped(r: DroppedReport): string[] {
  return [
    `kept by document frequency of the token: ${r.byDf.filter((b) => b.vectors > 0).map((b) => `${b.df} ${pct(b.keepRate)}`).join(', ')} (all ${pct(r.keepRate)})`,
    `kept least (tokens with >= ${MIN_VECTORS} vectors): ${r.mostDropped.map((t) => `${JSON.stringify(t.token)} ${pct(t.keepRate)} (df ${pct(t.df)})`).join(', ') || 'none'}`,
  ];
}
