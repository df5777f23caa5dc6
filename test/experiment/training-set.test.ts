import { dropQueryStopVectors, labelByMaxSim } from '../../src/experiment/training-set';
import { getKernels } from '../../src/kernels';
import type { TrainingSet } from '../../src/experiment/training-set';
import type { MultiVectorSet } from '../../src/kernels/types';

// Static 2-d "word vectors" (synthetic): "the" in all 4 corpus documents, "of" in 3, "cell" in 1.
const W = { the: [1, 0], of: [0, 1], cell: [0.5, -2], rare: [3, 3] };
type Word = keyof typeof W;
function set(docs: Word[][]): MultiVectorSet {
  const offsets = [0];
  const v: number[] = [];
  for (const d of docs) { for (const w of d) v.push(...W[w]); offsets.push(offsets[offsets.length - 1] + d.length); }
  return { dim: 2, vectors: Float32Array.from(v), offsets: Int32Array.from(offsets) };
}
const words = (s: MultiVectorSet, q: number): Word[] => {
  const out: Word[] = [];
  for (let t = s.offsets[q]; t < s.offsets[q + 1]; t++) {
    const x = [s.vectors[2 * t], s.vectors[2 * t + 1]];
    out.push((Object.keys(W) as Word[]).find((w) => W[w][0] === x[0] && W[w][1] === x[1])!);
  }
  return out;
};

describe('dropQueryStopVectors', () => {
  const corpus = set([['the', 'of', 'cell'], ['the', 'of'], ['the', 'of', 'the'], ['the', 'rare']]);
  const training: TrainingSet = {
    docs: corpus, queries: set([['the', 'cell', 'of'], ['the', 'the'], ['rare', 'of']]),
    owner: Int32Array.from([0, 2, 3]), prompts: Int32Array.from([0, 2, 3]), corpusDoc: Int32Array.from([0, 1, 2, 3]), sampled: 3, kind: 'inverse-cloze',
  };

  test('takes the corpus-common vectors out of the queries only, and never empties a query', () => {
    // "the" is in 4/4 documents, "of" in 3/4: df > 0.8 is "the" alone, df > 0.5 both
    const a = dropQueryStopVectors(training, corpus, 0.8);
    expect(a.removed).toBe(1);
    expect([0, 1, 2].map((q) => words(a.training.queries, q))).toEqual([['cell', 'of'], ['the', 'the'], ['rare', 'of']]);
    const b = dropQueryStopVectors(training, corpus, 0.5);
    expect(b.removed).toBe(2);
    expect([0, 1, 2].map((q) => words(b.training.queries, q))).toEqual([['cell'], ['the', 'the'], ['rare']]);
    // the documents, owners and prompts are the training set's own
    expect(b.training.docs).toBe(corpus);
    expect(b.training.owner).toBe(training.owner);
    expect(b.training.prompts).toBe(training.prompts);
  });

  test('a threshold no vector passes changes nothing', () => {
    const c = dropQueryStopVectors(training, corpus, 1);
    expect(c.removed).toBe(0);
    expect(c.training.queries).toBe(training.queries);
  });
});

describe('labelByMaxSim', () => {
  // training documents of the synthetic words: the MaxSim-first document of each query is known by hand
  const docs = set([['the', 'of'], ['cell', 'the'], ['rare'], ['of', 'rare']]);
  const base = (queries: MultiVectorSet, owner: number[]): TrainingSet => ({
    docs, queries, owner: Int32Array.from(owner), prompts: Int32Array.from(new Set(owner)), corpusDoc: Int32Array.from([7, 8, 9, 10]), sampled: 4, kind: 'inverse-cloze',
  });

  test('each query goes to the document full MaxSim ranks first; the prompts become the owners', () => {
    // q0 'cell': doc 1 (cell . cell = 4.25); q1 'rare rare': docs 2 and 3 tie at 36, the lower index wins;
    // q2 'cell the': doc 1 (4.25 + 1; doc 0 scores 0.5 + 1, doc 3 -2 + 3)
    const training = base(set([['cell'], ['rare', 'rare'], ['cell', 'the']]), [0, 3, 0]);
    const k = getKernels();
    const scores = k.maxSimTopK({ queries: training.queries, docs, k: 4 });
    const { training: out, changed } = labelByMaxSim(training, k);
    expect(Array.from(out.owner)).toEqual([scores.ids[0], scores.ids[4], scores.ids[8]]);
    expect(Array.from(out.owner)).toEqual([1, 2, 1]);
    expect(changed).toBe(3);
    expect(Array.from(out.prompts)).toEqual([1, 2]);
    // the documents, queries and their corpus documents are the set's own
    expect(out.docs).toBe(docs);
    expect(out.queries).toBe(training.queries);
    expect(out.corpusDoc).toBe(training.corpusDoc);
    expect(out.kind).toMatch(/MaxSim-first/);
    expect(Array.from(training.owner)).toEqual([0, 3, 0]);
  });

  test('depth N: one copy of each query per document of MaxSim\'s first N, its vectors unchanged', () => {
    // MaxSim by hand: q0 'cell' doc 1 (4.25) then doc 0 (0.5); q1 'rare rare' docs 2 and 3 (36 each);
    // q2 'cell the' doc 1 (5.25) then doc 0 (1.5); q3 has no vectors and keeps its source, once
    const q = set([['cell'], ['rare', 'rare'], ['cell', 'the']]);
    const queries: MultiVectorSet = { dim: 2, vectors: q.vectors, offsets: Int32Array.from([...q.offsets, q.offsets[3]]) };
    const training = base(queries, [0, 3, 0, 2]);
    const { training: out, changed } = labelByMaxSim(training, getKernels(), 2);
    expect(Array.from(out.owner)).toEqual([1, 0, 2, 3, 1, 0, 2]);
    expect(changed).toBe(3);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => words(out.queries, i))).toEqual([['cell'], ['cell'], ['rare', 'rare'], ['rare', 'rare'], ['cell', 'the'], ['cell', 'the'], []]);
    expect(Array.from(out.prompts)).toEqual([0, 1, 2, 3]);
    expect(out.kind).toMatch(/first 2 MaxSim documents/);
    expect(out.docs).toBe(docs);
    // the set it was given is untouched
    expect(Array.from(training.owner)).toEqual([0, 3, 0, 2]);
    expect(training.queries.offsets.length).toBe(5);
    expect(() => labelByMaxSim(training, getKernels(), 0)).toThrow(/maxsimDepth/);
    expect(() => labelByMaxSim(training, getKernels(), 1.5)).toThrow(/maxsimDepth/);
  });

  test('a query already owned by its MaxSim-first document, or one without vectors, keeps its owner', () => {
    const queries: MultiVectorSet = { dim: 2, vectors: Float32Array.from([0.5, -2]), offsets: Int32Array.from([0, 1, 1]) };
    const { training: out, changed } = labelByMaxSim(base(queries, [1, 3]), getKernels());
    expect(Array.from(out.owner)).toEqual([1, 3]);
    expect(changed).toBe(0);
    expect(Array.from(out.prompts)).toEqual([1, 3]);
  });
});
