import { dropQueryStopVectors } from '../../src/experiment/training-set';
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
