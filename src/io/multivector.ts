/**
 * loadMultiVectors: the one entry point that turns files into a MultiVectorSet (the CLI's
 * --docs/--doc-offsets/--doc-ids and --queries/--query-offsets/--query-ids map onto its spec), and
 * writeMultiVectors, its inverse.
 *
 * Layouts (layout: 'auto' picks the first that applies):
 *  - flat:    a 2-D [rows, dim] float array plus offsets (count + 1, from 0 to rows) or lengths (count);
 *  - padded:  a 3-D [count, T, dim] float array plus lengths (<= T); without lengths all T rows count;
 *  - per-doc: an .npz/.safetensors with one [T_d, dim] array per document, ordered by natural sort of
 *             the array names (doc2 before doc10) unless `order` lists them; ids default to the names;
 *  - rows:    a 2-D array where each row is a document of one vector (single-vector queries).
 * Inside an .npz/.safetensors the vectors are the array `key` (default 'vectors', or the only array);
 * arrays named 'offsets', 'lengths' and 'ids' in the same file are used when the spec gives none, and a
 * safetensors '__metadata__' entry 'ids' (a JSON list, as writeMultiVectors writes) supplies ids too.
 */
import * as path from 'path';
import type { MultiVectorSet } from '../kernels/types';
import { checkSet } from '../kernels/validate';
import { decodeFloats, isFloatType, Tensor } from './dtype';
import { fileError } from './errors';
import { openRead, readExact, writeFileAtomic } from './fsutil';
import { readIdsFile } from './lines';
import { encodeNpz } from './npz';
import { checkFiniteSet, checkOffsets, fromFlat, fromPadded, fromPerDoc, lengthsToOffsets, naturalCompare } from './ragged';
import { encodeSafetensors, readSafetensorsHeader } from './safetensors';
import { Container, containerFromBytes, openContainer, parseRef, readTensorRef } from './tensorfile';

/** A path to a .npy, a `file#name` inside an .npz/.safetensors, or the same as an object. */
export type TensorRef = string | { file: string; key?: string };

export type Layout = 'auto' | 'flat' | 'padded' | 'per-doc' | 'rows';

export interface MultiVectorSpec {
  /** .npy, .npz or .safetensors (recognised by content); with `bytes`, only the name errors give */
  file: string;
  /** the file's contents, held in memory (an HTTP request body): read instead of `file` */
  bytes?: Uint8Array;
  /** the vectors array inside an .npz/.safetensors (default 'vectors', or the only array) */
  key?: string;
  layout?: Layout;
  /** offsets (count + 1 integers): a file/ref or the array itself */
  offsets?: TensorRef | Int32Array;
  /**
   * lengths (count integers); for padded input also the string 'all' (every row) or 'nonzero' (drop
   * trailing zero rows), which the TensorRef string type already admits
   */
  lengths?: TensorRef | Int32Array;
  /** ids: a .txt file (one per line), a tensor ref (strings or integers), or the list itself */
  ids?: TensorRef | string[];
  /** per-doc layout: the array names in document order (default: natural sort of all float arrays) */
  order?: string[];
  /** reject NaN / Infinity in the vectors (an O(n) scan; default false) */
  finite?: boolean;
}

const RESERVED = new Set(['offsets', 'lengths', 'ids']);

function intArray(t: Tensor, where: string, what: string): Int32Array {
  if (t.data instanceof Float32Array || Array.isArray(t.data)) fileError(where, `${what} must be integers, got dtype ${t.dtype}`);
  if (t.shape.length !== 1) fileError(where, `${what} must be 1-D, got shape ${JSON.stringify(t.shape)}`);
  return t.data instanceof Int32Array ? t.data : Int32Array.from(t.data);
}

/** Reads a tensor reference: readTensorRef, or the in-memory container for references into it. */
type RefReader = (ref: TensorRef) => { tensor: Tensor; where: string };

function loadInts(ref: TensorRef | Int32Array, what: string, read: RefReader): { data: Int32Array; where: string } {
  if (ref instanceof Int32Array) return { data: ref, where: `(${what} array)` };
  const { tensor, where } = read(ref);
  return { data: intArray(tensor, where, what), where };
}

function idsFromTensor(t: Tensor, where: string): string[] {
  if (t.shape.length !== 1) fileError(where, `ids must be 1-D, got shape ${JSON.stringify(t.shape)}`);
  if (Array.isArray(t.data)) return t.data;
  if (t.data instanceof Float32Array) fileError(where, `ids must be strings or integers, got dtype ${t.dtype}`);
  return Array.from(t.data, String);
}

function loadIds(ref: TensorRef | string[], read: RefReader): string[] {
  if (Array.isArray(ref)) return ref;
  const r = typeof ref === 'string' ? parseRef(ref) : ref;
  if (r.key === undefined && /\.(txt|tsv|ids)$/i.test(r.file)) return readIdsFile(r.file);
  const { tensor, where } = read(r);
  return idsFromTensor(tensor, where);
}

function floatTensor(t: Tensor, where: string): Float32Array {
  if (!(t.data instanceof Float32Array)) fileError(where, `vectors must be floating point (f32/f16/bf16/f64), got dtype ${t.dtype}`);
  return t.data;
}

/** Ids carried inside the container (an 'ids' array or safetensors metadata), if any. */
function containerIds(c: Container, file: string): string[] | undefined {
  if (c.names.includes('ids')) return idsFromTensor(c.read('ids'), `${file}#ids`);
  const meta = c.metadata.ids;
  if (meta === undefined) return undefined;
  let ids: unknown;
  try { ids = JSON.parse(meta); } catch { fileError(file, "metadata 'ids' is not a JSON list"); }
  if (!Array.isArray(ids)) fileError(file, "metadata 'ids' is not a JSON list");
  return ids.map(String);
}

export function loadMultiVectors(spec: MultiVectorSpec): MultiVectorSet {
  const file = spec.file;
  const c = spec.bytes ? containerFromBytes(spec.bytes, file) : openContainer(file);
  const read: RefReader = (ref) => (spec.bytes && typeof ref !== 'string' && ref.file === file && ref.key !== undefined
    ? { tensor: c.read(ref.key), where: `${file}#${ref.key}` }
    : readTensorRef(ref));
  const layoutWanted = spec.layout ?? 'auto';
  const key = spec.key ?? (c.names.includes('vectors') ? 'vectors' : c.names.length === 1 ? c.names[0] : undefined);
  if (spec.key !== undefined && !c.names.includes(spec.key)) fileError(file, `no array named '${spec.key}' (has: ${c.names.join(', ')})`);
  const where = c.format === 'npy' ? file : `${file}#${key}`;

  let set: MultiVectorSet;
  if (layoutWanted === 'per-doc' || (layoutWanted === 'auto' && key === undefined)) {
    if (c.format === 'npy') fileError(file, 'per-doc layout needs an .npz or .safetensors with one array per document');
    const ids = spec.ids !== undefined ? loadIds(spec.ids, read) : undefined;
    set = loadPerDoc(file, c, spec.order, ids, spec.bytes === undefined);
  } else {
    if (key === undefined) fileError(file, `holds ${c.names.length} arrays (${c.names.join(', ')}); say which is the vectors with key`);
    const t = c.read(key);
    const vectors = floatTensor(t, where);
    const inFile = (n: string): TensorRef | undefined => (c.format !== 'npy' && c.names.includes(n) && n !== key ? { file, key: n } : undefined);
    const offRef = spec.offsets ?? (spec.lengths === undefined ? inFile('offsets') : undefined);
    const lenRef = spec.lengths ?? (offRef === undefined ? inFile('lengths') : undefined);
    const ids = spec.ids !== undefined ? loadIds(spec.ids, read) : c.format === 'npy' ? undefined : containerIds(c, file);
    const layout: Layout = layoutWanted !== 'auto' ? layoutWanted : t.shape.length === 3 ? 'padded' : 'flat';
    if (layout === 'flat') {
      if (t.shape.length !== 2) fileError(where, `flat layout needs a 2-D array, got shape ${JSON.stringify(t.shape)}`);
      let offsets: Int32Array;
      if (offRef !== undefined) {
        const o = loadInts(offRef, 'offsets', read);
        // Checked against the offsets' own file: that is the file that is wrong when the two disagree.
        checkOffsets(o.data, t.shape[0], o.where);
        offsets = o.data;
      } else if (lenRef !== undefined && lenRef !== 'all' && lenRef !== 'nonzero') {
        const l = loadInts(lenRef, 'lengths', read);
        offsets = lengthsToOffsets(l.data, t.shape[0], l.where);
      } else {
        fileError(where, "a 2-D matrix needs offsets or lengths to say where each document starts (or layout 'rows' for one vector per document)");
      }
      set = fromFlat(vectors, t.shape, offsets, where, ids);
    } else if (layout === 'padded') {
      let lengths: Int32Array | 'all' | 'nonzero' = 'all';
      if (lenRef === 'all' || lenRef === 'nonzero') lengths = lenRef;
      else if (lenRef !== undefined) lengths = loadInts(lenRef, 'lengths', read).data;
      set = fromPadded(vectors, t.shape, lengths, where, ids);
    } else if (layout === 'rows') {
      if (t.shape.length !== 2) fileError(where, `rows layout needs a 2-D array, got shape ${JSON.stringify(t.shape)}`);
      const offsets = new Int32Array(t.shape[0] + 1);
      for (let i = 0; i <= t.shape[0]; i++) offsets[i] = i;
      set = fromFlat(vectors, t.shape, offsets, where, ids);
    } else {
      fileError(file, `unknown layout '${layout}'`);
    }
  }
  if (spec.finite) checkFiniteSet(set, file);
  return set;
}

/** Per-document arrays; safetensors F32 tensors of a file are read straight into their slot of the result. */
function loadPerDoc(file: string, c: Container, order: string[] | undefined, ids: string[] | undefined, onDisk: boolean): MultiVectorSet {
  if (c.format === 'safetensors' && onDisk) return loadPerDocSafetensors(file, order, ids);
  const names = order ?? c.names.filter((n) => !(RESERVED.has(n) && !(c.read(n).data instanceof Float32Array))).sort(naturalCompare);
  const docs = names.map((name) => {
    if (!c.names.includes(name)) fileError(file, `no array named '${name}'`);
    const t = c.read(name);
    return { name, shape: t.shape, data: floatTensor(t, `${file}#${name}`) };
  });
  return fromPerDoc(docs, file, ids ?? containerIdsOrUndefined(c, file, docs.length));
}

/** Ids inside a per-document container: an integer or string 'ids' array, or safetensors metadata listing one per document. */
function containerIdsOrUndefined(c: Container, file: string, count: number): string[] | undefined {
  if (c.names.includes('ids')) return c.read('ids').data instanceof Float32Array ? undefined : containerIds(c, file);
  const meta = c.metadata.ids !== undefined ? safeJsonList(c.metadata.ids) : undefined;
  return meta && meta.length === count ? meta : undefined;
}

function loadPerDocSafetensors(file: string, order: string[] | undefined, ids: string[] | undefined): MultiVectorSet {
  const h = readSafetensorsHeader(file);
  const byName = new Map(h.tensors.map((t) => [t.name, t]));
  const names = order ?? h.tensors.filter((t) => isFloatType(t.dtype)).map((t) => t.name).sort(naturalCompare);
  if (names.length === 0) fileError(file, 'no floating-point tensors (documents) found');
  const entries = names.map((n) => {
    const e = byName.get(n);
    if (!e) fileError(file, `no tensor named '${n}'`);
    if (!isFloatType(e.dtype)) fileError(file, `tensor '${n}' has dtype ${e.stDtype}; documents must be floating point`);
    if (e.shape.length !== 2) fileError(file, `tensor '${n}' must be 2-D (tokens x dim), got shape ${JSON.stringify(e.shape)}`);
    if (e.shape[1] !== byNameDim(names, byName)) fileError(file, `tensor '${n}' has dim ${e.shape[1]}, expected ${byNameDim(names, byName)} like '${names[0]}'`);
    return e;
  });
  const dim = entries[0].shape[1];
  if (dim < 1) fileError(file, `vector dimension is ${dim}`);
  const offsets = new Int32Array(entries.length + 1);
  entries.forEach((e, i) => {
    const next = offsets[i] + e.shape[0];
    if (next > 0x7fffffff) fileError(file, 'more than 2^31 - 1 vectors in total');
    offsets[i + 1] = next;
  });
  const vectors = new Float32Array(offsets[entries.length] * dim);
  openRead(file, (fd) => {
    entries.forEach((e, i) => {
      const slot = vectors.subarray(offsets[i] * dim, offsets[i + 1] * dim);
      if (e.dtype === 'f32') readExact(fd, file, e.begin, e.end - e.begin, slot);
      else decodeFloats(e.dtype, readExact(fd, file, e.begin, e.end - e.begin), e.elements, slot, file);
    });
  });
  const metaIds = h.metadata.ids !== undefined ? safeJsonList(h.metadata.ids) : undefined;
  const finalIds = ids ?? (metaIds && metaIds.length === names.length ? metaIds : names);
  if (finalIds.length !== names.length) fileError(file, `${finalIds.length} ids for ${names.length} documents`);
  return { dim, vectors, offsets, ids: finalIds };
}

function byNameDim(names: string[], byName: Map<string, { shape: number[] }>): number {
  return byName.get(names[0])!.shape[1];
}

function safeJsonList(s: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}

export interface WriteMultiVectorsOptions {
  /** default: from the extension (.npz -> npz, anything else -> safetensors) */
  format?: 'safetensors' | 'npz';
  /** npz only: deflate the members */
  compress?: boolean;
  /** safetensors only: extra string metadata */
  metadata?: Record<string, string>;
}

/**
 * The bytes of a multi-vector file: vectors [total, dim] f32 + offsets [count + 1] i32 (+ ids:
 * safetensors metadata 'ids' as a JSON list; npz array 'ids' as <U), as parts to write in order.
 * `name` decides the format by its extension unless opts.format does.
 */
export function encodeMultiVectors(name: string, set: MultiVectorSet, opts: WriteMultiVectorsOptions = {}): Uint8Array[] {
  const { count, total } = checkSet('writeMultiVectors', 'set', set);
  const format = opts.format ?? (path.extname(name).toLowerCase() === '.npz' ? 'npz' : 'safetensors');
  if (format === 'npz') {
    const entries: Parameters<typeof encodeNpz>[0] = {
      vectors: { data: set.vectors, shape: [total, set.dim] },
      offsets: { data: set.offsets, shape: [count + 1] },
    };
    if (set.ids) entries.ids = { data: set.ids, shape: [count] };
    return [encodeNpz(entries, { compress: opts.compress })];
  }
  const metadata: Record<string, string> = { format: 'reinpool.multivector/1', ...opts.metadata };
  if (set.ids) metadata.ids = JSON.stringify(set.ids);
  return encodeSafetensors({
    vectors: { data: set.vectors, shape: [total, set.dim] },
    offsets: { data: set.offsets, shape: [count + 1] },
  }, metadata, name);
}

/** Writes encodeMultiVectors' bytes atomically. loadMultiVectors reads the file back without options. */
export function writeMultiVectors(file: string, set: MultiVectorSet, opts: WriteMultiVectorsOptions = {}): void {
  const parts = encodeMultiVectors(file, set, opts);
  writeFileAtomic(file, (append) => parts.forEach(append));
}
