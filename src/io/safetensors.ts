/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors): 8-byte little-endian
 * header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__},
 * then the data region. The header length is checked against the file size before the header is
 * read, and every tensor's span against the data region and its shape before its data is read.
 * Floats (F64/F32/F16/BF16) are returned as float32; the writer writes F32 (and I32/U8 for integer
 * arrays such as offsets).
 */
import { isTypedArray } from '../kernels/validate';
import { checkedByteSize, decodeTensor, ElemType, ELEM_SIZE, Tensor } from './dtype';
import { fileError } from './errors';
import { byteChunks, openRead, readExact, writeFileAtomic } from './fsutil';

/** The reference implementation refuses headers over 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

const DTYPES: Record<string, ElemType> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8',
  U64: 'u64', U32: 'u32', U16: 'u16', U8: 'u8', BOOL: 'bool',
};

export interface SafetensorsEntry {
  name: string;
  /** dtype as written in the file (F32, BF16, ...) */
  stDtype: string;
  dtype: ElemType;
  shape: number[];
  elements: number;
  /** absolute byte offsets in the file */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** tensors in the order the header lists them */
  tensors: SafetensorsEntry[];
  metadata: Record<string, string>;
  dataStart: number;
  fileSize: number;
}

/** Parses and checks the header (reads only the first 8 + N bytes). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  return openRead(file, (fd, size) => parseSafetensorsHeader(size, (pos, len) => readExact(fd, file, pos, len), file));
}

/**
 * The header of safetensors bytes of `size` in all, read through `read(pos, len)` (a file or a buffer
 * held in memory); `file` names the source in errors.
 */
export function parseSafetensorsHeader(size: number, read: (pos: number, len: number) => Uint8Array, file: string): SafetensorsHeader {
  if (size < 8) fileError(file, `not a safetensors file: only ${size} bytes`);
  const len8 = read(0, 8);
  const n = new DataView(len8.buffer, len8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(size - 8)) fileError(file, `safetensors header declares ${n} bytes but the file has only ${size - 8} after the length field`);
  if (n > BigInt(MAX_HEADER)) fileError(file, `safetensors header of ${n} bytes exceeds the 100 MB limit`);
  if (n < 2n) fileError(file, `safetensors header length ${n} is too small`);
  const raw = read(8, Number(n));
  if (raw[0] !== 0x7b) fileError(file, 'not a safetensors file (header does not start with "{")');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (e) {
    fileError(file, `safetensors header is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fileError(file, 'safetensors header is not a JSON object');
  const dataStart = 8 + Number(n);
  const dataSize = size - dataStart;
  const tensors: SafetensorsEntry[] = [];
  const metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object') fileError(file, '__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) metadata[k] = typeof s === 'string' ? s : JSON.stringify(s);
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') fileError(file, `tensor '${name}': header entry is not an object`);
    const dtype = typeof e.dtype === 'string' ? DTYPES[e.dtype] : undefined;
    if (!dtype) fileError(file, `tensor '${name}': unsupported dtype ${JSON.stringify(e.dtype)}`);
    const { elements, bytes } = checkedByteSize(e.shape, ELEM_SIZE[dtype], file, `tensor '${name}'`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
      fileError(file, `tensor '${name}': data_offsets must be two non-negative integers, got ${JSON.stringify(off)}`);
    }
    const [b, en] = off as number[];
    if (b > en) fileError(file, `tensor '${name}': data_offsets [${b}, ${en}] are reversed`);
    if (en > dataSize) fileError(file, `tensor '${name}': data_offsets [${b}, ${en}] run past the data region (${dataSize} bytes; truncated file?)`);
    if (BigInt(en - b) !== bytes) {
      fileError(file, `tensor '${name}': shape ${JSON.stringify(e.shape)} x ${e.dtype as string} needs ${bytes} bytes but data_offsets span ${en - b} (dtype mismatch?)`);
    }
    tensors.push({ name, stDtype: e.dtype as string, dtype, shape: e.shape as number[], elements, begin: dataStart + b, end: dataStart + en });
  }
  return { tensors, metadata, dataStart, fileSize: size };
}

/** Reads one tensor's data through an open descriptor; float32 goes straight into the result's buffer. */
export function readSafetensorsEntry(fd: number, file: string, e: SafetensorsEntry): Tensor {
  const len = e.end - e.begin;
  if (e.dtype === 'f32') {
    const out = new Float32Array(e.elements);
    readExact(fd, file, e.begin, len, out);
    return { dtype: 'f32', shape: e.shape, data: out };
  }
  const raw = readExact(fd, file, e.begin, len);
  return { dtype: e.dtype, shape: e.shape, data: decodeTensor(e.dtype, raw, e.elements, file, `tensor '${e.name}'`) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * One tensor of safetensors bytes held in memory. F32 data at a 4-byte-aligned address (every
 * tensor of a file whose header is padded to 8 bytes, as the reference writer and ours pad it) is a
 * view of `bytes`, not a copy: the caller must not reuse `bytes` while the tensor is in use. Other
 * dtypes are decoded (copied) as from a file.
 */
export function decodeSafetensorsEntry(bytes: Uint8Array, file: string, e: SafetensorsEntry): Tensor {
  const raw = bytes.subarray(e.begin, e.end);
  if (e.dtype === 'f32' && LITTLE_ENDIAN && raw.byteOffset % 4 === 0) {
    return { dtype: e.dtype, shape: e.shape, data: new Float32Array(raw.buffer, raw.byteOffset, e.elements) };
  }
  return { dtype: e.dtype, shape: e.shape, data: decodeTensor(e.dtype, raw, e.elements, file, `tensor '${e.name}'`) };
}

/** Reads every tensor (or only `names`), keyed by name in header order, with the metadata. */
export function readSafetensors(file: string, names?: string[]): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const h = readSafetensorsHeader(file);
  if (names) {
    const have = new Set(h.tensors.map((t) => t.name));
    for (const n of names) if (!have.has(n)) fileError(file, `no tensor named '${n}' (has: ${[...have].join(', ') || 'none'})`);
  }
  const want = names ? new Set(names) : undefined;
  const tensors = new Map<string, Tensor>();
  openRead(file, (fd) => {
    for (const e of h.tensors) if (!want || want.has(e.name)) tensors.set(e.name, readSafetensorsEntry(fd, file, e));
  });
  return { tensors, metadata: h.metadata };
}

export interface WritableTensor { data: Float32Array | Int32Array | Uint8Array; shape: number[] }

/** By the array's tag, not instanceof: tfjs-node's dataSync() arrays come from another realm inside jest. */
function stDtypeOf(a: WritableTensor['data'], file: string, name: string): string {
  if (isTypedArray(a, 'Float32Array')) return 'F32';
  if (isTypedArray(a, 'Int32Array')) return 'I32';
  if (isTypedArray(a, 'Uint8Array')) return 'U8';
  throw new TypeError(`${file}: tensor '${name}' must be a Float32Array, Int32Array or Uint8Array, got ${Object.prototype.toString.call(a)}`);
}

/**
 * The bytes of a safetensors file, as parts to write in order: tensors in the given order, the header
 * padded with spaces to a multiple of 8 bytes so every tensor starts aligned (as the reference writer
 * does). The tensor parts are views of the arrays themselves, without an intermediate copy.
 */
export function encodeSafetensors(tensors: Record<string, WritableTensor>, metadata?: Record<string, string>, file = 'safetensors'): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let off = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new RangeError(`${file}: '__metadata__' is not a valid tensor name`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`${file}: tensor '${name}' shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`);
    const dtype = stDtypeOf(t.data, file, name);
    header[name] = { dtype, shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
    parts.push(...byteChunks(t.data));
  }
  let json = JSON.stringify(header);
  const padded = Math.ceil(Buffer.byteLength(json, 'utf8') / 8) * 8;
  json += ' '.repeat(padded - Buffer.byteLength(json, 'utf8'));
  const head = new Uint8Array(8 + padded);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(Buffer.from(json, 'utf8'), 8);
  return [head, ...parts];
}

/** Writes tensors (encodeSafetensors) atomically. */
export function writeSafetensors(file: string, tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): void {
  const parts = encodeSafetensors(tensors, metadata, file);
  writeFileAtomic(file, (append) => parts.forEach(append));
}
