/**
 * reinpool's seeded randomness, all of it (nothing in reinpool uses Math.random). A leaf like
 * src/kernels: it imports nothing.
 *
 * Rng (xoshiro128**, seeded through splitmix32) is the generator: its whole state is four uint32
 * values, so a training run saves it in a checkpoint and continues bit for bit. Weight
 * initialisation, mask sampling, batch order, document samples and MUVERA's random projections use it,
 * each from its own (seed, stream).
 *
 * mulberry32 is a one-word stream for what is seeded per item: a query generator seeds one per
 * document from (seed, document index) with mix32, so a document's queries depend only on the seed
 * and its own index, not on which documents come before it.
 */
export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Rng {
  private s: Uint32Array;

  /** seed: any integer; `stream` derives independent generators from one seed (e.g. init vs sampling). */
  constructor(seed: number, stream = 0) {
    const sm = splitmix32((Math.imul(seed | 0, 0x2545f491) ^ Math.imul(stream | 0, 0x6c078965)) >>> 0);
    this.s = new Uint32Array([sm(), sm(), sm(), sm()]);
    if (this.s[0] === 0 && this.s[1] === 0 && this.s[2] === 0 && this.s[3] === 0) this.s[0] = 1;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.s = new Uint32Array(state);
    return r;
  }

  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** uniform uint32 */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** uniform in [0, 1) with 32 random bits */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** standard normal (Box-Muller, no caching so the state fully describes the stream) */
  normal(): number {
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** +1 or -1 with equal probability */
  sign(): number {
    return this.nextU32() & 1 ? 1 : -1;
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher-Yates permutation of 0..n-1 */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

/** A stream of uniforms in [0, 1) from one uint32 of state. */
export type Uniform = () => number;

/** Hash of two integers into a seed (for per-item streams). */
export function mix32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function mulberry32(seed: number): Uniform {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k distinct indices of [0, n) in sampled order (partial Fisher-Yates). */
export function sampleDistinct(n: number, k: number, rng: Uniform): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, m);
}
