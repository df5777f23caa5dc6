/**
 * mlpCompress test inputs and comparisons, shared by the kernel parity cases (parity-cases.ts: cpu
 * at every SIMD level, cuda) and the engine parity test (test/policy/native.test.ts: native vs
 * TensorFlow.js). No jest here.
 *
 * Tolerance: keep-probabilities sigmoid(logit) within 1e-5 absolute. Selections identical except in
 * a document where the rule sits on a near-tie: a probability within 1e-5 of the threshold
 * (threshold), two probabilities within 1e-5 at the k-th / (k+1)-th place (topk, ratio) or at the
 * top (a threshold document that falls back to its most probable vector). Where the selection is
 * identical, the pooled vectors agree as poolMasked's parity does (helpers.ts floatMismatches).
 */
import type { MlpCompressArgs, MlpCompressResult, MlpPolicyWeights, MultiVectorSet, SelectMode } from '../../src/kernels/types';
import { floatMismatches, random } from './helpers';

export const PROB_TOL = 1e-5;

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Random MLP weights that look trained: Glorot-uniform layers, small random biases and a head with
 * std `headStd` (default 0.5), so keep-probabilities spread over (0, 1) instead of sitting at the
 * initial 0.7.
 */
export function randomMlp(dim: number, hidden: number, layers: number, headStd = 0.5): MlpPolicyWeights {
  const uni = (n: number, lim: number) => Float32Array.from({ length: n }, () => (2 * random() - 1) * lim);
  const layerWeights: Float32Array[] = [];
  const layerBiases: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const inW = l === 0 ? 3 * dim + 3 : hidden;
    layerWeights.push(uni(inW * hidden, Math.sqrt(6 / (inW + hidden))));
    layerBiases.push(uni(hidden, 0.1));
  }
  return { dim, hidden, layers, layerWeights, layerBiases, headWeights: uni(hidden, headStd * Math.sqrt(3)), headBias: (random() - 0.5) * 0.5 };
}

/** The selection rule's k for a document of n vectors (topk, ratio). */
function budget(args: MlpCompressArgs, n: number): number {
  return args.select === 'topk' ? Math.min(n, args.topK ?? 1) : Math.max(1, Math.min(n, Math.ceil((args.ratio ?? 1) * n - 1e-9)));
}

/** Whether document d's selection sits on a near-tie of `probs` (see the header). */
export function selectionNearTie(args: MlpCompressArgs, probs: ArrayLike<number>, s: number, n: number): boolean {
  if (n === 0) return false;
  const p = Array.from({ length: n }, (_, t) => probs[s + t]);
  const sorted = [...p].sort((a, b) => b - a);
  const topTie = n > 1 && sorted[0] - sorted[1] <= PROB_TOL;
  const mode: SelectMode = args.select ?? 'threshold';
  if (mode === 'threshold') {
    const thr = args.threshold ?? 0.5;
    return p.some((x) => Math.abs(x - thr) <= PROB_TOL) || (sorted[0] <= thr + PROB_TOL && topTie);
  }
  const k = budget(args, n);
  return k < n && sorted[k - 1] - sorted[k] <= PROB_TOL;
}

/** Mismatches of `got` against the reference `want` for the same arguments ([] = agree). */
export function mlpMismatches(got: MlpCompressResult, want: MlpCompressResult, args: MlpCompressArgs, what: string): string[] {
  const bad: string[] = [];
  const { offsets, dim } = args.docs;
  const total = offsets[offsets.length - 1];
  if (got.logits.length !== total || got.masks.length !== total || got.vectors.length !== (offsets.length - 1) * dim) {
    return [`${what}: output lengths ${got.logits.length}/${got.masks.length}/${got.vectors.length}`];
  }
  const pw = Array.from(want.logits, sigmoid);
  for (let i = 0; i < total && bad.length < 5; i++) {
    const pg = sigmoid(got.logits[i]);
    if (!(Math.abs(pg - pw[i]) <= PROB_TOL)) bad.push(`${what}: keep-probability [${i}] ${pg} vs ${pw[i]} (logits ${got.logits[i]} vs ${want.logits[i]})`);
  }
  for (let d = 0; d + 1 < offsets.length && bad.length < 5; d++) {
    const s = offsets[d];
    const n = offsets[d + 1] - s;
    let same = true;
    for (let t = 0; t < n; t++) if ((got.masks[s + t] !== 0) !== (want.masks[s + t] !== 0)) same = false;
    if (!same) {
      if (!selectionNearTie(args, pw, s, n)) bad.push(`${what}: document ${d} (${n} vectors) selects differently away from any near-tie`);
      continue;
    }
    bad.push(...floatMismatches(got.vectors.subarray(d * dim, (d + 1) * dim), want.vectors.subarray(d * dim, (d + 1) * dim), dim, `${what} doc ${d} pooled`));
  }
  return bad.slice(0, 5);
}

/** Every selection rule and pooling the cases go through. */
export const SELECT_CASES: Array<Pick<MlpCompressArgs, 'select' | 'threshold' | 'topK' | 'ratio' | 'pool' | 'normalize'>> = [
  {}, { threshold: 0.3 }, { threshold: 0.9, pool: 'max' }, { select: 'topk', topK: 1 }, { select: 'topk', topK: 5, pool: 'max' },
  { select: 'ratio', ratio: 0.25 }, { select: 'ratio', ratio: 1, normalize: false }, { select: 'ratio', ratio: 0.5, pool: 'max', normalize: false },
];

/** Runs every select case on docs with `policy` through K and the reference; returns the mismatches. */
export function mlpCaseMismatches(run: (a: MlpCompressArgs) => MlpCompressResult, ref: (a: MlpCompressArgs) => MlpCompressResult,
  docs: MultiVectorSet, policy: MlpPolicyWeights, what: string): string[] {
  const bad: string[] = [];
  for (const sel of SELECT_CASES) {
    const args: MlpCompressArgs = { docs, policy, ...sel };
    bad.push(...mlpMismatches(run(args), ref(args), args, `${what} ${JSON.stringify(sel)}`));
  }
  return bad;
}
