import { clusterCount, tokenPool, wardLabels } from '../../src/eval';
import { gauss, lcg, setOf } from './helpers';

/** Same partition up to label names. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((ab.get(a[i]) ?? b[i]) !== b[i] || (ba.get(b[i]) ?? a[i]) !== a[i]) return false;
    ab.set(a[i], b[i]);
    ba.set(b[i], a[i]);
  }
  return true;
}

/** Independent naive Ward: repeatedly merge the pair with the least increase n_a n_b / (n_a + n_b) |c_a - c_b|^2. */
function naiveWard(points: number[][], c: number): number[] {
  let clusters = points.map((p, i) => ({ members: [i], centre: p.slice() }));
  while (clusters.length > c) {
    let best = [0, 1];
    let bestCost = Infinity;
    for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        const a = clusters[i];
        const b = clusters[j];
        let d2 = 0;
        for (let k = 0; k < a.centre.length; k++) d2 += (a.centre[k] - b.centre[k]) ** 2;
        const cost = (a.members.length * b.members.length) / (a.members.length + b.members.length) * d2;
        if (cost < bestCost) { bestCost = cost; best = [i, j]; }
      }
    }
    const [i, j] = best;
    const a = clusters[i];
    const b = clusters[j];
    const n = a.members.length + b.members.length;
    const merged = { members: [...a.members, ...b.members], centre: a.centre.map((x, k) => (x * a.members.length + b.centre[k] * b.members.length) / n) };
    clusters = clusters.filter((_, k) => k !== i && k !== j);
    clusters.push(merged);
  }
  const labels = new Array<number>(points.length).fill(-1);
  clusters.forEach((cl, l) => cl.members.forEach((m) => { labels[m] = l; }));
  return labels;
}

describe('Ward clustering (token pooling)', () => {
  test('two obvious clusters are found, labels numbered by first appearance', () => {
    const pts = [[0, 0], [10, 10], [0.1, 0.2], [10.2, 9.9], [-0.1, 0.1], [9.8, 10.1], [0.2, -0.1]];
    const set = setOf([pts]);
    const labels = wardLabels(set.vectors, 2, 0, pts.length, 2);
    expect(Array.from(labels)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(Array.from(wardLabels(set.vectors, 2, 0, pts.length, 1))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(wardLabels(set.vectors, 2, 0, pts.length, 7))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(wardLabels(set.vectors, 2, 0, pts.length, 99))).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test('three clusters of different sizes, reading rows from an offset', () => {
    const pts = [[5, 5], [0, 0], [0, 1], [20, 0], [1, 0], [20, 1], [0.5, 0.5]];
    const set = setOf([[[99, 99], [98, 98]], pts]);
    const labels = wardLabels(set.vectors, 2, 2, pts.length, 3);
    // {0,0},{0,1},{1,0},{.5,.5} together; the two at x=20 together; (5,5) alone
    expect(samePartition(labels, [0, 1, 1, 2, 1, 2, 1])).toBe(true);
  });

  test('the NN-chain dendrogram cut equals a naive greedy Ward on random points', () => {
    const r = lcg(7);
    for (let trial = 0; trial < 6; trial++) {
      const n = 12 + trial * 5;
      const pts = Array.from({ length: n }, () => Array.from({ length: 5 }, () => gauss(r)));
      const set = setOf([pts]);
      for (const c of [2, 3, 5, Math.floor(n / 2)]) {
        const got = wardLabels(set.vectors, 5, 0, n, c);
        expect(new Set(got).size).toBe(c);
        expect(samePartition(got, naiveWard(pts, c))).toBe(true);
      }
    }
  });

  test('clusterCount: a fixed count or a pool factor', () => {
    expect(clusterCount(0, { vectors: 4 })).toBe(0);
    expect(clusterCount(3, { vectors: 4 })).toBe(3);
    expect(clusterCount(30, { vectors: 4 })).toBe(4);
    expect(clusterCount(31, { poolFactor: 2 })).toBe(15);
    expect(clusterCount(1, { poolFactor: 3 })).toBe(1);
    expect(clusterCount(9, {})).toBe(4);
  });

  test('tokenPool: offsets, unit-norm cluster means, short documents kept whole', () => {
    const docs = setOf([
      [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]],
      [[3, 4]],
      [],
    ], ['a', 'b', 'c']);
    const pooled = tokenPool(docs, { vectors: 2 });
    expect(Array.from(pooled.offsets)).toEqual([0, 2, 3, 3]);
    expect(pooled.ids).toEqual(['a', 'b', 'c']);
    const v = Array.from(pooled.vectors);
    // cluster means (0.95, 0.05) and (0.05, 0.95), normalised
    const n = Math.hypot(0.95, 0.05);
    expect(v[0]).toBeCloseTo(0.95 / n, 6);
    expect(v[1]).toBeCloseTo(0.05 / n, 6);
    expect(v[2]).toBeCloseTo(0.05 / n, 6);
    expect(v[3]).toBeCloseTo(0.95 / n, 6);
    expect(v[4]).toBeCloseTo(0.6, 6);
    expect(v[5]).toBeCloseTo(0.8, 6);
    const raw = tokenPool(docs, { vectors: 1, normalize: false });
    expect(Array.from(raw.vectors.subarray(0, 2)).map((x) => +x.toFixed(6))).toEqual([0.5, 0.5]);
  });
});
