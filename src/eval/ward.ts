/**
 * Ward agglomerative clustering, the clustering behind token pooling (Clavie et al. 2024, "Reducing
 * the Footprint of Multi-Vector Retrieval with Minimal Performance Impact via Token Pooling").
 *
 * The full dendrogram is built with the nearest-neighbour-chain algorithm (exact for Ward, which is
 * reducible) on squared Euclidean distances with the Lance-Williams update, O(T^2) time and memory for
 * T vectors; the tree is then cut into the requested number of clusters by applying its T - c lowest
 * merges, as scipy's fcluster(..., criterion='maxclust') does.
 */

/** A Ward dendrogram over n points: merge m joins the clusters holding points a[m] and b[m]; merges sorted by height. */
export interface WardTree {
  n: number;
  a: Int32Array;
  b: Int32Array;
  height: Float64Array;
}

/**
 * Cluster labels (0 .. c-1, numbered by first appearance) for rows start .. start+n-1 of the
 * row-major `vectors`, with c = clamp(clusters, 1, n).
 */
export function wardLabels(vectors: Float32Array, dim: number, start: number, n: number, clusters: number): Int32Array {
  const c = Math.max(1, Math.min(Math.trunc(clusters), n));
  if (n === 0 || c === n || c === 1) return cutWardTree({ n, a: new Int32Array(0), b: new Int32Array(0), height: new Float64Array(0) }, c);
  return cutWardTree(wardTree(vectors, dim, start, n), c);
}

/** The full Ward dendrogram of rows start .. start+n-1 (nearest-neighbour chain, O(n^2)). */
export function wardTree(vectors: Float32Array, dim: number, start: number, n: number): WardTree {
  if (n <= 1) return { n, a: new Int32Array(0), b: new Int32Array(0), height: new Float64Array(0) };

  // squared Euclidean distances, float64
  const D = new Float64Array(n * n);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const r = (start + i) * dim;
    for (let j = 0; j < dim; j++) s += vectors[r + j] * vectors[r + j];
    norms[i] = s;
  }
  for (let i = 0; i < n; i++) {
    const ri = (start + i) * dim;
    for (let k = i + 1; k < n; k++) {
      const rk = (start + k) * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += vectors[ri + j] * vectors[rk + j];
      const d = Math.max(0, norms[i] + norms[k] - 2 * dot);
      D[i * n + k] = d;
      D[k * n + i] = d;
    }
  }

  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const mergeA = new Int32Array(n - 1);
  const mergeB = new Int32Array(n - 1);
  const height = new Float64Array(n - 1);
  const chain = new Int32Array(n);
  let len = 0;
  let merges = 0;
  let firstActive = 0;

  while (merges < n - 1) {
    if (len === 0) {
      while (!active[firstActive]) firstActive++;
      chain[len++] = firstActive;
    }
    let a: number;
    let b: number;
    let dab: number;
    for (;;) {
      a = chain[len - 1];
      // the previous chain element wins ties, which is what keeps the chain from cycling
      let best = len >= 2 ? chain[len - 2] : -1;
      let bestD = best >= 0 ? D[a * n + best] : Infinity;
      const row = a * n;
      for (let k = 0; k < n; k++) {
        if (k === a || !active[k]) continue;
        if (D[row + k] < bestD) {
          bestD = D[row + k];
          best = k;
        }
      }
      if (len >= 2 && best === chain[len - 2]) {
        b = best;
        dab = bestD;
        break;
      }
      chain[len++] = best;
    }
    len -= 2;
    mergeA[merges] = a;
    mergeB[merges] = b;
    height[merges] = dab;
    merges++;
    // the merged cluster lives in slot b; slot a retires
    const sa = size[a];
    const sb = size[b];
    for (let k = 0; k < n; k++) {
      if (k === a || k === b || !active[k]) continue;
      const sk = size[k];
      const d = ((sa + sk) * D[a * n + k] + (sb + sk) * D[b * n + k] - sk * dab) / (sa + sb + sk);
      D[b * n + k] = d;
      D[k * n + b] = d;
    }
    size[b] = sa + sb;
    active[a] = 0;
  }

  // sort merges by height (stable by merge order on equal heights)
  const order = Array.from({ length: n - 1 }, (_, i) => i);
  order.sort((x, y) => height[x] - height[y] || x - y);
  return {
    n,
    a: Int32Array.from(order, (m) => mergeA[m]),
    b: Int32Array.from(order, (m) => mergeB[m]),
    height: Float64Array.from(order, (m) => height[m]),
  };
}

/** Labels for c clusters (clamped to [1, n]): the tree's n - c lowest merges applied, labels by first appearance. */
export function cutWardTree(tree: WardTree, clusters: number): Int32Array {
  const n = tree.n;
  const labels = new Int32Array(n);
  if (n === 0) return labels;
  const c = Math.max(1, Math.min(Math.trunc(clusters), n));
  if (c === n) {
    for (let i = 0; i < n; i++) labels[i] = i;
    return labels;
  }
  if (c === 1) return labels;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (let m = 0; m < n - c; m++) {
    const ra = find(tree.a[m]);
    const rb = find(tree.b[m]);
    if (ra !== rb) parent[ra] = rb;
  }
  const labelOf = new Int32Array(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (labelOf[r] < 0) labelOf[r] = next++;
    labels[i] = labelOf[r];
  }
  return labels;
}

/** Number of clusters for a document of `n` vectors: a fixed count, or max(1, floor(n / poolFactor)). */
export function clusterCount(n: number, spec: { vectors?: number; poolFactor?: number }): number {
  if (n === 0) return 0;
  if (spec.vectors !== undefined) return Math.max(1, Math.min(spec.vectors, n));
  const pf = spec.poolFactor ?? 2;
  return Math.max(1, Math.floor(n / pf));
}
