/**
 * Chunked reading of corpora larger than memory: documents are read N at a time with positional
 * reads (fs.read at an offset), so only the offsets (4 bytes per document) and one chunk are ever
 * resident. Sources: a 2-D .npy (f4/f2) with offsets or lengths, or a .safetensors whose vectors
 * tensor (F32/F16/BF16/F64) sits beside 'offsets'/'lengths' tensors or comes with external ones.
 * .npz cannot be streamed (members may be compressed); convert it with writeMultiVectors first.
 */
import * as fs from 'fs';
import type { MultiVectorSet } from '../kernels/types';
import { decodeFloats, ELEM_SIZE, ElemType, isFloatType } from './dtype';
import { fileError, FileFormatError } from './errors';
import { readExact, readExactAsync } from './fsutil';
import { readIdsFile } from './lines';
import type { TensorRef } from './multivector';
import { readNpyHeader } from './npy';
import { checkOffsets, lengthsToOffsets } from './ragged';
import { readSafetensorsHeader } from './safetensors';
import { parseRef, readTensorRef, sniffFormat } from './tensorfile';

export interface StreamSpec {
  file: string;
  /** safetensors: the vectors tensor (default 'vectors', or the only float tensor) */
  key?: string;
  offsets?: TensorRef | Int32Array;
  lengths?: TensorRef | Int32Array;
  ids?: TensorRef | string[];
}

/** A chunk of consecutive documents: `first` is the index of its first document in the corpus. */
export interface VectorChunk {
  first: number;
  set: MultiVectorSet;
}

function ints(ref: TensorRef | Int32Array): { data: Int32Array; where: string } {
  if (ref instanceof Int32Array) return { data: ref, where: '(array)' };
  const { tensor, where } = readTensorRef(ref);
  if (!(tensor.data instanceof Int32Array || tensor.data instanceof Uint8Array) || tensor.shape.length !== 1) {
    fileError(where, `expected a 1-D integer array, got dtype ${tensor.dtype} shape ${JSON.stringify(tensor.shape)}`);
  }
  return { data: Int32Array.from(tensor.data), where };
}

export class MultiVectorStream {
  readonly file: string;
  readonly dim: number;
  readonly count: number;
  readonly total: number;
  readonly offsets: Int32Array;
  readonly ids?: string[];
  private readonly dtype: ElemType;
  private readonly base: number;
  private fd: number;

  constructor(spec: StreamSpec) {
    const file = spec.file;
    this.file = file;
    const format = sniffFormat(file);
    let shape: number[];
    let offRef: TensorRef | Int32Array | undefined = spec.offsets;
    let lenRef: TensorRef | Int32Array | undefined = spec.lengths;
    let ids: string[] | undefined;
    if (format === 'npy') {
      const h = readNpyHeader(file);
      if (h.dtype === 'str' || !isFloatType(h.dtype)) fileError(file, `vectors must be floating point, got dtype ${h.descr}`);
      shape = h.shape;
      this.dtype = h.dtype;
      this.base = h.dataOffset;
    } else if (format === 'safetensors') {
      const h = readSafetensorsHeader(file);
      const floats = h.tensors.filter((t) => isFloatType(t.dtype));
      const key = spec.key ?? (h.tensors.some((t) => t.name === 'vectors') ? 'vectors' : floats.length === 1 ? floats[0].name : undefined);
      if (key === undefined) fileError(file, 'cannot tell which tensor holds the vectors; pass key');
      const e = h.tensors.find((t) => t.name === key);
      if (!e) fileError(file, `no tensor named '${key}'`);
      if (!isFloatType(e.dtype)) fileError(file, `tensor '${key}' has dtype ${e.stDtype}; vectors must be floating point`);
      shape = e.shape;
      this.dtype = e.dtype;
      this.base = e.begin;
      const names = new Set(h.tensors.map((t) => t.name));
      if (offRef === undefined && lenRef === undefined) {
        if (names.has('offsets')) offRef = { file, key: 'offsets' };
        else if (names.has('lengths')) lenRef = { file, key: 'lengths' };
      }
      if (spec.ids === undefined && h.metadata.ids !== undefined) {
        try { ids = (JSON.parse(h.metadata.ids) as unknown[]).map(String); } catch { fileError(file, "metadata 'ids' is not a JSON list"); }
      }
    } else {
      fileError(file, '.npz cannot be streamed (its members may be compressed); convert it to .safetensors or .npy');
    }
    if (shape.length !== 2) fileError(file, `streaming needs a 2-D [rows, dim] array, got shape ${JSON.stringify(shape)}`);
    const [rows, dim] = shape;
    if (rows > 0x7fffffff) fileError(file, `${rows} rows exceed int32 offsets`);
    this.dim = dim;
    this.total = rows;
    if (offRef !== undefined) {
      const o = ints(offRef);
      checkOffsets(o.data, rows, o.where);
      this.offsets = o.data;
    } else if (lenRef !== undefined) {
      const l = ints(lenRef);
      this.offsets = lengthsToOffsets(l.data, rows, l.where);
    } else {
      fileError(file, 'streaming needs offsets or lengths');
    }
    this.count = this.offsets.length - 1;
    if (spec.ids !== undefined) {
      if (Array.isArray(spec.ids)) ids = spec.ids;
      else {
        const r = typeof spec.ids === 'string' ? parseRef(spec.ids) : spec.ids;
        if (r.key === undefined && /\.(txt|tsv|ids)$/i.test(r.file)) ids = readIdsFile(r.file);
        else {
          const t = readTensorRef(r);
          ids = Array.isArray(t.tensor.data) ? t.tensor.data : Array.from(t.tensor.data as Int32Array, String);
        }
      }
    }
    if (ids !== undefined && ids.length !== this.count) fileError(file, `${ids.length} ids for ${this.count} documents`);
    this.ids = ids;
    try {
      this.fd = fs.openSync(file, 'r');
    } catch (e) {
      throw new FileFormatError(file, (e as Error).message);
    }
  }

  private span(first: number, last: number): { r0: number; r1: number; pos: number; len: number } {
    if (!(first >= 0 && first <= last && last <= this.count)) throw new RangeError(`${this.file}: document range [${first}, ${last}) outside [0, ${this.count}]`);
    const r0 = this.offsets[first];
    const r1 = this.offsets[last];
    const es = ELEM_SIZE[this.dtype];
    return { r0, r1, pos: this.base + r0 * this.dim * es, len: (r1 - r0) * this.dim * es };
  }

  private assemble(first: number, last: number, r0: number, vectors: Float32Array): VectorChunk {
    const offsets = new Int32Array(last - first + 1);
    for (let i = first; i <= last; i++) offsets[i - first] = this.offsets[i] - r0;
    const set: MultiVectorSet = { dim: this.dim, vectors, offsets };
    if (this.ids) set.ids = this.ids.slice(first, last);
    return { first, set };
  }

  /** Documents [first, last) as a MultiVectorSet (offsets rebased to 0). */
  readDocs(first: number, last: number): VectorChunk {
    const { r0, r1, pos, len } = this.span(first, last);
    const vectors = new Float32Array((r1 - r0) * this.dim);
    if (this.dtype === 'f32') readExact(this.fd, this.file, pos, len, vectors);
    else decodeFloats(this.dtype, readExact(this.fd, this.file, pos, len), vectors.length, vectors, this.file);
    return this.assemble(first, last, r0, vectors);
  }

  /** Same as readDocs, without blocking the event loop. */
  async readDocsAsync(first: number, last: number): Promise<VectorChunk> {
    const { r0, r1, pos, len } = this.span(first, last);
    const vectors = new Float32Array((r1 - r0) * this.dim);
    if (this.dtype === 'f32') await readExactAsync(this.fd, this.file, pos, len, vectors);
    else decodeFloats(this.dtype, await readExactAsync(this.fd, this.file, pos, len, new Uint8Array(len)), vectors.length, vectors, this.file);
    return this.assemble(first, last, r0, vectors);
  }

  *chunksSync(docsPerChunk: number): Generator<VectorChunk> {
    if (!(docsPerChunk >= 1)) throw new RangeError(`${this.file}: docsPerChunk must be >= 1`);
    for (let d = 0; d < this.count; d += docsPerChunk) yield this.readDocs(d, Math.min(this.count, d + docsPerChunk));
  }

  async *chunks(docsPerChunk: number): AsyncGenerator<VectorChunk> {
    if (!(docsPerChunk >= 1)) throw new RangeError(`${this.file}: docsPerChunk must be >= 1`);
    for (let d = 0; d < this.count; d += docsPerChunk) yield await this.readDocsAsync(d, Math.min(this.count, d + docsPerChunk));
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Opens a corpus for chunked reading; call close() when done. */
export function openMultiVectorStream(spec: StreamSpec): MultiVectorStream {
  return new MultiVectorStream(spec);
}
