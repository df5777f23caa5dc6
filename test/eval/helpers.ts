import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { MultiVectorSet } from '../../src/kernels/types';

export const DATA_DIR = process.env.REINPOOL_DATA_DIR ?? path.resolve(__dirname, '../../../shared/data');

/** Whether python3 runs (the independent trec_eval check needs only its standard library). */
export function hasPython(): boolean {
  const r = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' });
  return r.status === 0;
}

export type TrecCheck = Record<string, Record<string, number>>;

/** Runs test/eval/trec_check.py over qrels.txt and the given run files. */
export function trecCheck(qrels: string, runs: string[]): TrecCheck {
  const out = execFileSync('python3', [path.join(__dirname, 'trec_check.py'), qrels, ...runs], { encoding: 'utf8' });
  return JSON.parse(out) as TrecCheck;
}

/** A seeded uniform source for synthetic data. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function gauss(r: () => number): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** A set from per-item arrays of rows. */
export function setOf(items: number[][][], ids?: string[]): MultiVectorSet {
  const dim = items.find((x) => x.length > 0)?.[0].length ?? 1;
  const offsets = new Int32Array(items.length + 1);
  items.forEach((it, i) => { offsets[i + 1] = offsets[i] + it.length; });
  const vectors = new Float32Array(offsets[items.length] * dim);
  let o = 0;
  for (const it of items) for (const row of it) { vectors.set(row, o); o += dim; }
  return { dim, vectors, offsets, ids };
}

/**
 * Synthetic (labelled as such): topical documents made of token vectors around a few topic centres,
 * and queries made of noisy copies of some tokens of one target document. Unit-norm tokens.
 */
export function syntheticCorpus(seed: number, nDocs: number, nQueries: number, dim: number, tokens: [number, number] = [8, 40]) {
  const r = lcg(seed);
  const unit = (v: number[]) => { const n = Math.hypot(...v) || 1; return v.map((x) => x / n); };
  const topics = Array.from({ length: 12 }, () => unit(Array.from({ length: dim }, () => gauss(r))));
  const docs: number[][][] = [];
  for (let d = 0; d < nDocs; d++) {
    const T = tokens[0] + Math.floor(r() * (tokens[1] - tokens[0] + 1));
    const mine = [Math.floor(r() * 12), Math.floor(r() * 12), Math.floor(r() * 12)];
    docs.push(Array.from({ length: T }, () => {
      const c = topics[mine[Math.floor(r() * 3)]];
      return unit(c.map((x) => x + 0.9 * gauss(r) / Math.sqrt(dim) * 3));
    }));
  }
  const queries: number[][][] = [];
  const target: number[] = [];
  for (let q = 0; q < nQueries; q++) {
    const d = Math.floor(r() * nDocs);
    target.push(d);
    const L = 3 + Math.floor(r() * 6);
    queries.push(Array.from({ length: L }, () => {
      const t = docs[d][Math.floor(r() * docs[d].length)];
      return unit(t.map((x) => x + 0.5 * gauss(r) / Math.sqrt(dim) * 3));
    }));
  }
  return { docs, queries, target };
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
