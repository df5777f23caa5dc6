import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { WordVectors } from '../../src/encode';
import {
  beirTrainingQueries, centerSet, documentFrequencies, inverseCloze, keywordQueryTexts, leadQueryTexts, loadQueryEmbeddings, meanVector, normalizeRows, reduceQueries,
} from '../../src/encode';
import { encodeNpy, writeMultiVectors } from '../../src/io';

/** Word vectors made by hand: word i -> a unit vector, enough for the generators' logic. */
function fakeVectors(words: string[], dim = 4): WordVectors {
  const matrix = new Float32Array(words.length * dim);
  words.forEach((_, i) => { matrix[i * dim + (i % dim)] = 1; });
  const index = new Map(words.map((w, i) => [w, i]));
  return {
    dim, count: words.length, matrix, lookup: (w) => index.get(w) ?? -1, word: (r) => words[r], words,
    origin: { kind: 'built', cacheFile: '', ms: 0 },
  };
}
const VOCAB = 'a b c d e f g h i j k l m n o p the of and cell cells protein gene'.split(' ');
const wv = fakeVectors(VOCAB);

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-syn-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('reduceQueries: sum (default), mean, max; an empty query is a zero row', () => {
  const set = { dim: 2, vectors: Float32Array.of(1, 2, 3, -4, 5, 6), offsets: Int32Array.of(0, 2, 2, 3) };
  expect(Array.from(reduceQueries(set).data)).toEqual([4, -2, 0, 0, 5, 6]);
  expect(Array.from(reduceQueries(set, 'mean').data)).toEqual([2, -1, 0, 0, 5, 6]);
  expect(Array.from(reduceQueries(set, 'max').data)).toEqual([3, 2, 0, 0, 5, 6]);
  expect(reduceQueries(set)).toMatchObject({ rows: 3, dim: 2 });
});

describe('inverse cloze', () => {
  const docs = [
    'The cell and the gene. A b c d e. F g h i j. K l m n o. Protein of cells.',
    'a b c d e f g h i j k l m n o p a b c d e f g h i j k l m n o p', // one long sentence: windows
    'zzz qqq www.', // nothing in vocabulary: no query
    'a b. c d.', // sentences too short (minTokens 4): windows over 4 tokens
  ];
  test('sentences when there are enough, windows otherwise, owners and seeds', () => {
    const r = inverseCloze(wv, docs, { perDoc: 3, seed: 7 });
    expect(Array.from(r.owner)).toEqual([0, 0, 0, 1, 1, 1, 3]);
    expect(r.kinds).toEqual(['sentence', 'sentence', 'sentence', 'window', 'window', 'window', 'window']);
    for (const t of r.texts.slice(0, 3)) expect(docs[0]).toContain(t);
    expect(new Set(r.texts.slice(0, 3)).size).toBe(3);
    for (const t of r.texts.slice(3, 6)) expect(t.split(' ').length).toBe(12);
    expect(r.texts[6]).toBe('a b c d');
    expect(r.vectors.offsets.length).toBe(8);
    expect(r.contexts).toEqual(docs); // removeProb 0: documents intact
    // deterministic per seed, different across seeds, and independent of the other documents
    expect(inverseCloze(wv, docs, { perDoc: 3, seed: 7 }).texts).toEqual(r.texts);
    const other = [0, 1, 2, 3, 4, 5].map((s) => inverseCloze(wv, docs, { perDoc: 3, seed: s }).texts.join('|'));
    expect(new Set(other).size).toBeGreaterThan(1);
    expect(inverseCloze(wv, [docs[0]], { perDoc: 3, seed: 7 }).texts).toEqual(r.texts.slice(0, 3));
  });
  test('removeProb 1 cuts the chosen sentences out of the context', () => {
    const r = inverseCloze(wv, [docs[0]], { perDoc: 2, seed: 1, removeProb: 1 });
    for (const t of r.texts) expect(r.contexts[0]).not.toContain(t);
    expect(splitCount(r.contexts[0])).toBe(3);
  });
  test('with removal every query keeps a context', () => {
    // one eligible sentence: it would be the whole context, so a window is taken instead
    const one = inverseCloze(wv, ['the cell and the gene of a protein in cells b c d e f g h i j k l m n'], { perDoc: 1, seed: 3, removeProb: 1 });
    expect(one.kinds).toEqual(['window']);
    expect(one.contexts[0].split(' ').length).toBe(22 - 12);
    expect(one.contexts[0]).not.toContain(one.texts[0]);
    // the windows cover a short document: nothing would be left, so it gets no query and stays whole
    const short = 'a b c d e f g h i j k l m n o p';
    const r = inverseCloze(wv, [short, docs[1]], { perDoc: 3, seed: 0, removeProb: 1 });
    expect(Array.from(r.owner)).toEqual([1, 1, 1]);
    expect(r.contexts[0]).toBe(short);
    expect(r.contexts[1].split(' ').length).toBeGreaterThanOrEqual(4);
    // sentences: exactly perDoc eligible sentences is not enough with removal, perDoc + 1 is
    expect(inverseCloze(wv, ['A b c d. E f g h.'], { perDoc: 2, removeProb: 1 }).owner.length).toBe(0);
    expect(inverseCloze(wv, ['A b c d. E f g h.'], { perDoc: 2 }).kinds).toEqual(['sentence', 'sentence']);
    // without removal a document shorter than minTokens still gets its one window
    expect(inverseCloze(wv, ['a b c'], { perDoc: 3 }).texts).toEqual(['a b c']);
    const three = inverseCloze(wv, ['A b c d. E f g h. I j k l.'], { perDoc: 2, removeProb: 1 });
    expect(three.kinds).toEqual(['sentence', 'sentence']);
    expect(splitCount(three.contexts[0])).toBe(1);
  });

  test('maxCut: a windowed document gives at most that share of its tokens to its windows, at least one window', () => {
    const words = VOCAB.filter((w) => w.length === 1); // a..p: 16 known words, no sentence breaks
    const long = [...words, ...words, ...words].join(' '); // 48 tokens
    const all = inverseCloze(wv, [long], { perDoc: 3, seed: 1, removeProb: 1 });
    expect(all.owner.length).toBe(3);
    // 0.5 x 48 / 12 = 2 windows; 0.1 x 48 / 12 < 1: still one
    const half = inverseCloze(wv, [long], { perDoc: 3, seed: 1, removeProb: 1, maxCut: 0.5 });
    expect(half.owner.length).toBe(2);
    expect(half.contexts[0].split(' ').length).toBeGreaterThanOrEqual(48 - 24);
    expect(inverseCloze(wv, [long], { perDoc: 3, seed: 1, removeProb: 1, maxCut: 0.1 }).owner.length).toBe(1);
    // a short document that three cut windows would leave without a context now gets one query
    const short = words.concat(words.slice(0, 8)).join(' '); // 24 tokens
    expect(inverseCloze(wv, [short], { perDoc: 3, seed: 1, removeProb: 1 }).owner.length).toBe(0);
    expect(inverseCloze(wv, [short], { perDoc: 3, seed: 1, removeProb: 1, maxCut: 0.34 }).owner.length).toBe(1);
    // without removal nothing is cut, so the cap does not apply
    expect(inverseCloze(wv, [long], { perDoc: 3, seed: 1, maxCut: 0.1 }).owner.length).toBe(3);
  });
});
const splitCount = (s: string) => s.split(/(?<=\.)\s+/).length;

test('user-provided query embeddings with owners by index or by document id', () => {
  const qf = path.join(tmp, 'q.safetensors');
  writeMultiVectors(qf, { dim: 2, vectors: Float32Array.of(1, 0, 0, 1, 1, 1), offsets: Int32Array.of(0, 2, 3) });
  const of = path.join(tmp, 'owner.npy');
  fs.writeFileSync(of, encodeNpy(Int32Array.of(1, 0), [2]));
  const a = loadQueryEmbeddings({ file: qf, owner: of, docCount: 2 });
  expect(Array.from(a.owner)).toEqual([1, 0]);
  const idsFile = path.join(tmp, 'owners.txt');
  fs.writeFileSync(idsFile, 'd2\nd1\n');
  expect(Array.from(loadQueryEmbeddings({ file: qf, ownerIds: idsFile, docIds: ['d1', 'd2'] }).owner)).toEqual([1, 0]);
  expect(() => loadQueryEmbeddings({ file: qf, owner: of, docCount: 1 })).toThrow(/owner\[0\] = 1 is outside \[0, 1\)/);
  fs.writeFileSync(idsFile, 'd2\nd9\n');
  expect(() => loadQueryEmbeddings({ file: qf, ownerIds: idsFile, docIds: ['d1', 'd2'] })).toThrow(new RegExp(`^${idsFile}: query 1 belongs to document 'd9'`));
});

test('BEIR training queries: one item per relevant pair, unknown docs and empty queries skipped', () => {
  const dir = path.join(tmp, 'beir');
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), '{"_id":"1","text":"the cell"}\n{"_id":"2","text":"protein gene"}\n{"_id":"3","text":"zzz"}\n');
  fs.writeFileSync(path.join(dir, 'qrels', 'train.tsv'), 'query-id\tcorpus-id\tscore\n1\tdA\t1\n2\tdB\t1\n2\tdA\t1\n1\tdX\t1\n3\tdA\t1\n2\tdB\t0\n');
  const r = beirTrainingQueries(wv, dir, ['dA', 'dB']);
  expect(r.queryIds).toEqual(['1', '2', '2']);
  expect(Array.from(r.owner)).toEqual([0, 1, 0]);
  expect(r.skipped).toBe(2);
  expect(Array.from(r.vectors.offsets)).toEqual([0, 2, 4, 6]);
});

test('reduceQueries normalize: unit rows (zero rows stay zero); normalizeRows leaves its input alone', () => {
  const set = { dim: 2, vectors: Float32Array.of(3, 4, 0, 0), offsets: Int32Array.of(0, 1, 1, 2) };
  const r = reduceQueries(set, 'sum', true);
  expect(Array.from(r.data)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, 0, 0, 0]);
  const m = { rows: 1, dim: 2, data: Float32Array.of(3, 4) };
  expect(Array.from(normalizeRows(m).data)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  expect(Array.from(m.data)).toEqual([3, 4]);
});

test('centerSet subtracts one mean from every vector, keeps zero vectors zero, and checks the width', () => {
  const set = { dim: 2, vectors: Float32Array.of(1, 3, 3, 5, 0, 0), offsets: Int32Array.of(0, 2, 3) };
  const mu = meanVector(set);
  expect(Array.from(mu)).toEqual([expect.closeTo(4 / 3, 6), expect.closeTo(8 / 3, 6)]);
  const c = centerSet(set, Float32Array.of(2, 4));
  expect(Array.from(c.vectors)).toEqual([-1, -1, 1, 1, 0, 0]);
  expect(c.offsets).toBe(set.offsets);
  expect(() => centerSet(set, Float32Array.of(1))).toThrow(/mean has 1 values for dim 2/);
});

test('inverse cloze maxTokens: long sentences become a contiguous span of at most that many known tokens', () => {
  const text = 'A b c d e f g h i j k l. M n o p the of and cell.';
  const q = inverseCloze(wv, [text], { perDoc: 2, seed: 3, maxTokens: 3 });
  expect(q.texts).toHaveLength(2);
  for (const t of q.texts) {
    const toks = t.split(' ');
    expect(toks.length).toBeLessThanOrEqual(3);
    expect(text.toLowerCase().replace(/\./g, '')).toContain(toks.join(' '));
  }
  // without the option the whole sentences are the queries
  const whole = inverseCloze(wv, [text], { perDoc: 2, seed: 3 });
  expect(whole.texts.every((t) => t.split(' ').length >= 8)).toBe(true);
});

test('keywordQueryTexts: words of the document only, never one in every document, lengths in range, seeded', () => {
  const docs = ['the cell and the gene of a b', 'the protein and cells c d e', 'the of and', 'the gene f g h i j k l'];
  const freq = documentFrequencies(wv.lookup, [...docs, 'zz the']);
  expect(freq.docs).toBe(5);
  expect(freq.df.get('the')).toBe(5);
  expect(freq.df.get('gene')).toBe(2);
  expect(freq.df.has('zz')).toBe(false); // out of vocabulary
  const q = keywordQueryTexts(wv.lookup, docs, freq, { perDoc: 4, seed: 3, words: [2, 3] });
  // 'the of and': 'the' is in every document (idf 0) and of/and leave 2 words: still a query
  const owners = Array.from(q.owner);
  expect(owners).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  q.texts.forEach((t, i) => {
    const words = t.split(' ');
    expect(words.length).toBeGreaterThanOrEqual(2);
    expect(words.length).toBeLessThanOrEqual(3);
    expect(new Set(words).size).toBe(words.length);
    for (const w of words) {
      expect(w).not.toBe('the');
      expect(docs[owners[i]].split(' ')).toContain(w);
    }
  });
  expect(keywordQueryTexts(wv.lookup, docs, freq, { perDoc: 4, seed: 3, words: [2, 3] })).toEqual(q);
  expect(keywordQueryTexts(wv.lookup, docs, freq, { perDoc: 4, seed: 4, words: [2, 3] }).texts).not.toEqual(q.texts);
  // too few drawable words: no query
  expect(keywordQueryTexts(wv.lookup, ['the of'], freq, { words: [3, 8] }).owner.length).toBe(0);
  expect(() => keywordQueryTexts(wv.lookup, docs, freq, { words: [4, 2] })).toThrow(/words must be/);
});

test('keywordQueryTexts: a rare word is drawn far more often than a common one of the same count', () => {
  const docs = ['a b', ...Array.from({ length: 40 }, () => 'b c')];
  const freq = documentFrequencies(wv.lookup, docs);
  const q = keywordQueryTexts(wv.lookup, ['a b c d e f g h'], freq, { perDoc: 400, seed: 1, words: [1, 1] });
  const count = (w: string) => q.texts.filter((t) => t === w).length;
  // idf: a 3.71, b 0, c 0.025, d..h 3.71 (df 0 counts as 1): b never, c rarely
  expect(count('b')).toBe(0);
  expect(count('c')).toBeLessThan(count('a') / 10);
});

test('leadQueryTexts: the first known words as the query, the rest as the context; too short, no query', () => {
  const docs = ['Cell cells, protein (zz) gene a b c d e f g h i j k l m n o p', 'a b c', 'The gene of a cell and the protein'];
  const q = leadQueryTexts(wv.lookup, docs, { seed: 5, words: [3, 4] });
  expect(Array.from(q.owner)).toEqual([0, 2]); // 'a b c' has no context of 3 words left
  q.texts.forEach((t, i) => {
    const d = q.owner[i];
    const known = docs[d].toLowerCase().match(/[a-z]+/g)!.filter((w) => wv.lookup(w) >= 0);
    const n = t.split(' ').length;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(4);
    expect(t).toBe(known.slice(0, n).join(' '));
    expect(q.contexts[i]).toBe(known.slice(n).join(' '));
  });
  expect(leadQueryTexts(wv.lookup, docs, { seed: 5, words: [3, 4] })).toEqual(q);
  expect(() => leadQueryTexts(wv.lookup, docs, { words: [0, 2] })).toThrow(/words must be/);
});
