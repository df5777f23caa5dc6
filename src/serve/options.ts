/**
 * The per-request options of POST /v1/compress, from the query string, with the names and rules of
 * `reinpool compress`: threshold=P, keep-top-k=K, keep-ratio=R (one of the three), pool=mean|max.
 */
import type { CallOptions } from '../policy/open';
import { BadRequest } from './codec';

const KNOWN = new Set(['threshold', 'keep-top-k', 'keep-ratio', 'pool']);

export function callOptions(query: Record<string, unknown>): CallOptions {
  for (const k of Object.keys(query)) if (!KNOWN.has(k)) throw new BadRequest(`query: unknown option '${k}' (expected threshold, keep-top-k, keep-ratio, pool)`);
  const str = (k: string): string | undefined => {
    const v = query[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new BadRequest(`query: '${k}' is given more than once`);
    return v;
  };
  const num = (k: string, ok: (v: number) => boolean, rule: string): number | undefined => {
    const s = str(k);
    if (s === undefined) return undefined;
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new BadRequest(`query: ${k} must be ${rule}, got '${s}'`);
    return v;
  };
  const threshold = num('threshold', (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const topK = num('keep-top-k', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const ratio = num('keep-ratio', (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  if ([threshold, topK, ratio].filter((v) => v !== undefined).length > 1) throw new BadRequest('query: threshold, keep-top-k and keep-ratio are exclusive');
  const pool = str('pool');
  if (pool !== undefined && pool !== 'mean' && pool !== 'max') throw new BadRequest(`query: pool must be mean or max, got '${pool}'`);
  const o: CallOptions = {};
  if (topK !== undefined) { o.select = 'topk'; o.topK = topK; }
  else if (ratio !== undefined) { o.select = 'ratio'; o.ratio = ratio; }
  else if (threshold !== undefined) { o.select = 'threshold'; o.threshold = threshold; }
  if (pool !== undefined) o.pool = pool;
  return o;
}
