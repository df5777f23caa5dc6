import { MuveraEncoder } from '../../src/eval';
import { setOf, syntheticCorpus } from './helpers';

function chamfer(q: number[][], d: number[][]): number {
  let s = 0;
  for (const a of q) {
    let best = -Infinity;
    for (const b of d) best = Math.max(best, a.reduce((acc, x, j) => acc + x * b[j], 0));
    s += best;
  }
  return s;
}

function dotRows(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[i * dim + k] * b[j * dim + k];
  return s;
}

function ranks(v: number[]): number[] {
  const order = v.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  order.forEach(([, i], k) => { r[i] = k; });
  return r;
}

function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const m = (n - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - m) * (rb[i] - m);
    da += (ra[i] - m) ** 2;
    db += (rb[i] - m) ** 2;
  }
  return num / Math.sqrt(da * db);
}

describe('MUVERA fixed dimensional encodings', () => {
  test('dimension = reps x 2^kSim x min(dProj, dim), or dFinal', () => {
    expect(new MuveraEncoder(128).outDim).toBe(20 * 32 * 16);
    expect(new MuveraEncoder(128, { reps: 3, kSim: 2, dProj: 8 }).outDim).toBe(3 * 4 * 8);
    expect(new MuveraEncoder(6, { reps: 2, kSim: 3, dProj: 16 }).outDim).toBe(2 * 8 * 6);
    const enc = new MuveraEncoder(16, { reps: 2, kSim: 2, dProj: 4, dFinal: 10 });
    expect(enc.outDim).toBe(10);
    expect(enc.fdeDim).toBe(32);
    const docs = setOf([[Array.from({ length: 16 }, (_, i) => i / 16)], [Array.from({ length: 16 }, (_, i) => 1 - i / 16)]]);
    const m = enc.encodeDocs(docs);
    expect(m.rows).toBe(2);
    expect(m.dim).toBe(10);
    expect(m.data.length).toBe(20);
  });

  test('seeded: the same seed gives the same encoding, another seed another', () => {
    const { docs } = syntheticCorpus(3, 5, 1, 16);
    const set = setOf(docs);
    const a = new MuveraEncoder(16, { seed: 1, reps: 2 }).encodeDocs(set).data;
    const b = new MuveraEncoder(16, { seed: 1, reps: 2 }).encodeDocs(set).data;
    const c = new MuveraEncoder(16, { seed: 2, reps: 2 }).encodeDocs(set).data;
    expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(c.buffer))).not.toBe(0);
  });

  test('one bucket, no projection: <FDE(q), FDE(d)> = <sum q, mean d>', () => {
    const q = [[1, 2, 0], [0, 1, 1]];
    const d = [[1, 0, 0], [0, 0, 1], [1, 1, 1]];
    const enc = new MuveraEncoder(3, { kSim: 0, reps: 1, dProj: 3 });
    const fq = enc.encodeQueries(setOf([q])).data;
    const fd = enc.encodeDocs(setOf([d])).data;
    const expected = [1, 3, 1].reduce((s, x, j) => s + x * [2 / 3, 1 / 3, 2 / 3][j], 0);
    expect(dotRows(fq, 0, fd, 0, 3)).toBeCloseTo(expected, 5);
  });

  test('empty document buckets are filled; query buckets are not', () => {
    const enc = new MuveraEncoder(4, { kSim: 3, reps: 1, dProj: 4 });
    const one = setOf([[[0.5, -0.2, 0.1, 0.7]]]);
    const fd = enc.encodeDocs(one).data;
    const fq = enc.encodeQueries(one).data;
    // a single-vector document fills all 8 buckets with itself; the query holds it in one bucket
    const nonZeroBlocks = (v: Float32Array) => Array.from({ length: 8 }).filter((_, b) => v.subarray(b * 4, b * 4 + 4).some((x) => x !== 0)).length;
    expect(nonZeroBlocks(fd)).toBe(8);
    expect(nonZeroBlocks(fq)).toBe(1);
  });

  test('synthetic data: FDE inner products track Chamfer similarity far better than chance', () => {
    // synthetic topical corpus (helpers.syntheticCorpus): 60 documents, 40 queries, dim 32
    const { docs, queries } = syntheticCorpus(11, 60, 40, 32);
    const enc = new MuveraEncoder(32, { kSim: 3, dProj: 8, reps: 20, seed: 5 });
    const fd = enc.encodeDocs(setOf(docs)).data;
    const fq = enc.encodeQueries(setOf(queries)).data;
    let rho = 0;
    let top1InTop5 = 0;
    for (let q = 0; q < queries.length; q++) {
      const exact = docs.map((d) => chamfer(queries[q], d));
      const approx = docs.map((_, d) => dotRows(fq, q, fd, d, enc.outDim));
      rho += spearman(exact, approx);
      const best = exact.indexOf(Math.max(...exact));
      const top5 = approx.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 5).map((x) => x[1]);
      if (top5.includes(best)) top1InTop5++;
    }
    rho /= queries.length;
    if (process.env.REINPOOL_EVAL_PRINT) console.log({ rho, top1InTop5: top1InTop5 / queries.length });
    // chance: rho 0 and 5/60 = 8% for top-1 in top-5
    expect(rho).toBeGreaterThan(0.3);
    expect(top1InTop5 / queries.length).toBeGreaterThan(0.5);
  });
});
