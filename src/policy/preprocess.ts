/**
 * What a policy expects done to a corpus before it sees it, saved beside the policy so that
 * `reinpool compress` (and any indexing service) reproduces the experiment exactly:
 *
 *   center       the training corpus's mean vector, subtracted from every non-zero vector
 *   stop vectors vectors held by more than maxDf of the training corpus's documents, removed
 *                (encode/stopvectors.ts)
 *   keepAll      the policy's selection did not beat keeping every vector on held-out training
 *                documents (experiment/run.ts): compress keeps every vector unless told otherwise
 *
 * Queries searched against the compressed documents need the centring too (applyQueryPreprocess):
 * a pooled vector of centred token vectors ranks raw queries by their share of the corpus mean, not
 * by their words (SciFact in NPL's form: 0.0034 NDCG@3 instead of 0.2396).
 *
 * dir/preprocess.safetensors holds the tensors that apply ('center' [dim], 'stop.vectors' [n, dim],
 * 'stop.df' [n]); a policy directory without it needs no preprocessing. No TensorFlow.js here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { centerSet } from '../encode/vectors';
import { dropStopVectors } from '../encode/stopvectors';
import type { StopVectors } from '../encode/stopvectors';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import type { MultiVectorSet } from '../kernels/types';

export interface Preprocess {
  center?: Float32Array;
  stop?: StopVectors;
  /** the policy's selection lost to keeping every vector on held-out training documents: keep all by default */
  keepAll?: boolean;
}

export const PREPROCESS_FILE = 'preprocess.safetensors';

export function writePreprocess(dir: string, p: Preprocess): void {
  const t: Record<string, { data: Float32Array; shape: number[] }> = {};
  if (p.center) t.center = { data: p.center, shape: [p.center.length] };
  if (p.stop) {
    t['stop.vectors'] = { data: p.stop.vectors, shape: [p.stop.df.length, p.stop.dim] };
    t['stop.df'] = { data: p.stop.df, shape: [p.stop.df.length] };
  }
  if (Object.keys(t).length === 0 && !p.keepAll) return;
  fs.mkdirSync(dir, { recursive: true });
  const meta: Record<string, string> = {};
  if (p.keepAll) meta.keepAll = '1';
  if (p.stop) { meta.stopMaxDf = String(p.stop.maxDf); meta.stopCorpusDocs = String(p.stop.corpusDocs); }
  writeSafetensors(path.join(dir, PREPROCESS_FILE), t, meta);
}

/** The preprocessing of a policy directory (empty when it has no preprocess.safetensors), checked against dim. */
export function readPreprocess(dir: string, dim: number): Preprocess {
  const file = path.join(dir, PREPROCESS_FILE);
  if (!fs.existsSync(file)) return {};
  const { tensors, metadata } = readSafetensors(file);
  const get = (name: string): { data: Float32Array; shape: number[] } | undefined => {
    const x = tensors.get(name);
    if (!x) return undefined;
    if (!(x.data instanceof Float32Array)) throw new Error(`${file}: tensor '${name}' is ${x.dtype}, expected float32`);
    return { data: x.data, shape: x.shape };
  };
  const out: Preprocess = {};
  if (metadata?.keepAll === '1') out.keepAll = true;
  const c = get('center');
  if (c) {
    if (c.shape.length !== 1 || c.shape[0] !== dim) throw new Error(`${file}: 'center' has shape [${c.shape.join(',')}], the policy's dim is ${dim}`);
    out.center = c.data;
  }
  const v = get('stop.vectors');
  const df = get('stop.df');
  if (v || df) {
    if (!v || !df) throw new Error(`${file}: 'stop.vectors' and 'stop.df' come together; one is missing`);
    if (v.shape.length !== 2 || v.shape[1] !== dim || df.shape.length !== 1 || df.shape[0] !== v.shape[0]) {
      throw new Error(`${file}: 'stop.vectors' [${v.shape.join(',')}] and 'stop.df' [${df.shape.join(',')}] do not match the policy's dim ${dim}`);
    }
    const maxDf = Number(metadata?.stopMaxDf);
    out.stop = { dim, vectors: v.data, df: df.data, maxDf: Number.isFinite(maxDf) ? maxDf : NaN, corpusDocs: Number(metadata?.stopCorpusDocs) || 0 };
  }
  return out;
}

/** The set as the policy expects it: centred, then without its stop vectors (the input itself when nothing applies). */
export function applyPreprocess(set: MultiVectorSet, p: Preprocess): MultiVectorSet {
  if (p.center && p.center.length !== set.dim) throw new RangeError(`preprocess: centre has ${p.center.length} values for dim ${set.dim}`);
  let out = p.center ? centerSet(set, p.center) : set;
  if (p.stop) out = dropStopVectors(out, p.stop);
  return out;
}

/**
 * Queries as the documents' space expects them: centred on the same mean. Stop vectors stay in a
 * query (they are a selection of the documents' vectors, and the experiment's test queries keep them).
 */
export function applyQueryPreprocess(queries: MultiVectorSet, p: Preprocess): MultiVectorSet {
  if (p.center && p.center.length !== queries.dim) throw new RangeError(`preprocess: centre has ${p.center.length} values for query dim ${queries.dim}`);
  return p.center ? centerSet(queries, p.center) : queries;
}
