import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dropStopVectors, findStopVectors, stopVectorMask } from '../../src/encode/stopvectors';
import { applyPreprocess, applyQueryPreprocess, readPreprocess, writePreprocess } from '../../src/policy/preprocess';
import type { MultiVectorSet } from '../../src/kernels/types';

// synthetic: word w is the 4-d vector [w, 1, 0, 0] / norm; documents list word ids
function corpus(docs: number[][]): MultiVectorSet {
  const dim = 4;
  const offsets = new Int32Array(docs.length + 1);
  docs.forEach((d, i) => { offsets[i + 1] = offsets[i] + d.length; });
  const vectors = new Float32Array(offsets[docs.length] * dim);
  let t = 0;
  for (const d of docs) for (const w of d) { const n = Math.hypot(w, 1); vectors.set([w / n, 1 / n, 0, 0], (t++) * dim); }
  return { dim, vectors, offsets };
}

describe('stop vectors', () => {
  // word 1 is in every document, word 2 in half, the rest once
  const docs = corpus([[1, 2, 3, 1], [1, 4], [1, 2, 5], [1, 6, 7]]);

  test('finds the vectors held by more than maxDf of the documents, counting a document once', () => {
    const s = findStopVectors(docs, 0.6);
    expect(s.df.length).toBe(1);
    expect(s.df[0]).toBe(1);
    expect(Array.from(s.vectors.subarray(0, 2)).map((v) => +v.toFixed(4))).toEqual([0.7071, 0.7071]);
    expect(findStopVectors(docs, 0.4).df.length).toBe(2);
    expect(findStopVectors(docs, 1).df.length).toBe(0);
    expect(() => findStopVectors(docs, 0)).toThrow(/maxDf/);
  });

  test('removes them from every document, and a document made only of them keeps them', () => {
    const s = findStopVectors(docs, 0.6);
    const out = dropStopVectors(docs, s);
    expect(Array.from(out.offsets)).toEqual([0, 2, 3, 5, 7]);
    const only = corpus([[1, 1], [3]]);
    expect(Array.from(stopVectorMask(only, s))).toEqual([1, 1, 1]);
    expect(() => stopVectorMask({ dim: 3, vectors: new Float32Array(3), offsets: Int32Array.of(0, 1) }, s)).toThrow(/dim 4/);
  });

  test('saved beside a policy and applied by compress: centre, then stop vectors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-pre-'));
    const center = Float32Array.of(0.1, 0.2, 0, 0);
    const stop = findStopVectors(applyPreprocess(docs, { center }), 0.6);
    writePreprocess(dir, { center, stop });
    const back = readPreprocess(dir, 4);
    expect(Array.from(back.center!)).toEqual(Array.from(center));
    expect(back.stop!.maxDf).toBe(0.6);
    const a = applyPreprocess(docs, back);
    expect(Array.from(a.offsets)).toEqual([0, 2, 3, 5, 7]);
    expect(a.vectors[0]).toBeCloseTo(docs.vectors[4] - 0.1, 6);
    expect(() => readPreprocess(dir, 8)).toThrow(/dim is 8/);
    expect(readPreprocess(fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-pre-')), 4)).toEqual({});
    // queries are centred on the same mean and keep their stop vectors (a selection of documents only)
    const q = applyQueryPreprocess(docs, back);
    expect(Array.from(q.offsets)).toEqual(Array.from(docs.offsets));
    expect(q.vectors[1]).toBeCloseTo(docs.vectors[1] - 0.2, 6);
    expect(applyQueryPreprocess(docs, {})).toBe(docs);
    expect(() => applyQueryPreprocess({ dim: 2, vectors: new Float32Array(2), offsets: Int32Array.of(0, 1) }, back)).toThrow(/query dim 2/);
  });
});
