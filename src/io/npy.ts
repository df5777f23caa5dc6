/**
 * NumPy .npy reader and writer (format versions 1.0, 2.0, 3.0).
 *
 * Accepted: little-endian or byte-order-free f8/f4/f2, i8/i4/i2/i1, u8/u4/u2/u1, b1, and fixed-width
 * unicode (<U n, used for ids). C order only. Object arrays ('O') are refused: loading them means
 * unpickling, which runs code from the file, and reinpool never does that. Every size is checked
 * against the file size before anything is allocated.
 */
import { isTypedArray } from '../kernels/validate';
import { checkedByteSize, decodeTensor, ELEM_SIZE, ElemType, Tensor } from './dtype';
import { fileError, withFile } from './errors';
import { byteChunks, openRead, readExact, writeFileAtomic } from './fsutil';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** A header larger than this is not a NumPy header (numpy itself caps it at 10,000 bytes by default). */
const MAX_HEADER = 1 << 20;

export interface NpyInfo {
  descr: string;
  dtype: ElemType | 'str';
  /** bytes per element (4 x characters for unicode) */
  itemSize: number;
  shape: number[];
  /** number of elements */
  elements: number;
  /** where the data starts, from the start of the .npy bytes */
  dataOffset: number;
  dataBytes: number;
}

const KINDS: Record<string, ElemType> = {
  f8: 'f64', f4: 'f32', f2: 'f16', i8: 'i64', i4: 'i32', i2: 'i16', i1: 'i8',
  u8: 'u64', u4: 'u32', u2: 'u16', u1: 'u8', b1: 'bool',
};

function parseDescr(descr: string, file: string): { dtype: ElemType | 'str'; itemSize: number } {
  if (/^[|<>=]?O/.test(descr)) fileError(file, `object arrays (dtype '${descr}') are refused: reading them would unpickle code from the file; save plain numeric arrays instead`);
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) fileError(file, `unsupported dtype '${descr}'`);
  const [, order, kind, sizeStr] = m;
  const size = Number(sizeStr);
  if (order === '>' && size > 1) fileError(file, `big-endian dtype '${descr}' is not supported; convert with arr.astype('<${kind}${size}')`);
  if (kind === 'U') {
    if (size < 1 || size > 1 << 16) fileError(file, `unsupported unicode width in dtype '${descr}'`);
    return { dtype: 'str', itemSize: 4 * size };
  }
  const t = KINDS[kind + sizeStr];
  if (!t) fileError(file, `unsupported dtype '${descr}'`);
  return { dtype: t, itemSize: ELEM_SIZE[t] };
}

/** Parses the Python-literal header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (5, 32), } */
function parseHeaderDict(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) fileError(file, `malformed .npy header: ${JSON.stringify(t.slice(0, 80))}`);
  if (/'descr'\s*:\s*\[/.test(t)) fileError(file, 'structured dtypes (a list of fields) are not supported');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(t);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(t);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(t);
  if (!descr || !fortran || !shape) fileError(file, `malformed .npy header (needs descr, fortran_order, shape): ${JSON.stringify(t.slice(0, 120))}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const out: number[] = [];
  for (const d of dims) {
    const m = /^(\d+)L?$/.exec(d);
    if (!m) fileError(file, `malformed shape (${shape[1]}) in .npy header`);
    const v = Number(m[1]);
    if (!Number.isSafeInteger(v)) fileError(file, `shape (${shape[1]}) has a dimension that overflows`);
    out.push(v);
  }
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: out };
}

/**
 * Parses the preamble given the first bytes of the file and its total size. `head` must hold at least
 * the first 12 bytes; if it does not hold the whole header, `need` says how many bytes are required.
 */
export function parseNpyHeader(head: Uint8Array, totalBytes: number, file: string): NpyInfo | { need: number } {
  if (head.length < 10 && totalBytes < 10) fileError(file, `not a .npy file: only ${totalBytes} bytes`);
  for (let i = 0; i < 6; i++) if (head[i] !== MAGIC[i]) fileError(file, 'not a .npy file (bad magic; expected \\x93NUMPY)');
  const major = head[6];
  const minor = head[7];
  if (major < 1 || major > 3 || minor !== 0) fileError(file, `unsupported .npy version ${major}.${minor}`);
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const pre = major === 1 ? 10 : 12;
  if (totalBytes < pre) fileError(file, `truncated .npy preamble (${totalBytes} bytes)`);
  if (head.length < pre) return { need: pre };
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (hlen > MAX_HEADER) fileError(file, `.npy header length ${hlen} is implausible`);
  if (pre + hlen > totalBytes) fileError(file, `.npy header declares ${hlen} bytes but the file has only ${totalBytes - pre} after the preamble`);
  if (head.length < pre + hlen) return { need: pre + hlen };
  const raw = head.subarray(pre, pre + hlen);
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString(major === 3 ? 'utf8' : 'latin1');
  const h = parseHeaderDict(text, file);
  if (h.fortran) fileError(file, 'fortran_order=True arrays are not supported; save with np.ascontiguousarray(a)');
  const { dtype, itemSize } = parseDescr(h.descr, file);
  const { elements, bytes } = checkedByteSize(h.shape, itemSize, file, '.npy');
  const dataOffset = pre + hlen;
  const have = totalBytes - dataOffset;
  if (bytes !== BigInt(have)) {
    const what = `${h.shape.join(' x ')} ${h.descr}`;
    fileError(file, `header declares ${what} (${bytes} bytes) but the file has ${have} bytes of data${bytes > BigInt(have) ? ' (truncated?)' : ' (trailing bytes or wrong dtype?)'}`);
  }
  return { descr: h.descr, dtype, itemSize, shape: h.shape, elements, dataOffset, dataBytes: have };
}

/** Reads only the header of a .npy file (for streaming: where the data starts and what it is). */
export function readNpyHeader(file: string): NpyInfo {
  return openRead(file, (fd, size) => {
    let head = readExact(fd, file, 0, Math.min(size, 12));
    for (;;) {
      const r = parseNpyHeader(head, size, file);
      if (!('need' in r)) return r;
      head = readExact(fd, file, 0, r.need);
    }
  });
}

function decodeStrings(bytes: Uint8Array, count: number, itemSize: number, file: string): string[] {
  const out = new Array<string>(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chars = itemSize / 4;
  for (let i = 0; i < count; i++) {
    let s = '';
    for (let c = 0; c < chars; c++) {
      const cp = dv.getUint32(i * itemSize + 4 * c, true);
      if (cp === 0) break; // numpy pads short strings with NUL
      if (cp > 0x10ffff) fileError(file, `string element ${i} holds ${cp}, which is not a Unicode code point`);
      s += String.fromCodePoint(cp);
    }
    out[i] = s;
  }
  return out;
}

function decodePayload(info: NpyInfo, data: Uint8Array, file: string): Tensor {
  const payload = info.dtype === 'str'
    ? decodeStrings(data, info.elements, info.itemSize, file)
    : decodeTensor(info.dtype, data, info.elements, file, 'data');
  return withFile(file, () => ({ dtype: info.dtype, shape: info.shape, data: payload }));
}

/** Decodes a .npy held in memory (an .npz member). */
export function parseNpy(bytes: Uint8Array, file: string): Tensor {
  const info = parseNpyHeader(bytes, bytes.length, file);
  if ('need' in info) fileError(file, 'truncated .npy header');
  return decodePayload(info, bytes.subarray(info.dataOffset), file);
}

/**
 * Reads a .npy file. float32 data is read straight into the returned array's own buffer (the one
 * copy); other types are decoded from a buffer sized from the checked header.
 */
export function readNpy(file: string): Tensor {
  const info = readNpyHeader(file);
  return openRead(file, (fd) => {
    if (info.dtype === 'f32') {
      const out = new Float32Array(info.elements);
      readExact(fd, file, info.dataOffset, info.dataBytes, out);
      return { dtype: 'f32', shape: info.shape, data: out };
    }
    const raw = readExact(fd, file, info.dataOffset, info.dataBytes);
    return decodePayload(info, raw, file);
  });
}

/** Arrays the writers accept: float32, int32, uint8, or strings (stored as <U n). */
export type WritableData = Float32Array | Int32Array | Uint8Array | string[];

/** By the array's tag, not instanceof: tfjs-node's dataSync() arrays come from another realm inside jest. */
function descrOf(data: WritableData): { descr: string; itemSize: number } {
  if (isTypedArray(data, 'Float32Array')) return { descr: '<f4', itemSize: 4 };
  if (isTypedArray(data, 'Int32Array')) return { descr: '<i4', itemSize: 4 };
  if (isTypedArray(data, 'Uint8Array')) return { descr: '|u1', itemSize: 1 };
  if (!Array.isArray(data)) throw new TypeError(`npy: data must be a Float32Array, Int32Array, Uint8Array or string[], got ${Object.prototype.toString.call(data)}`);
  let w = 1;
  for (const s of data) w = Math.max(w, [...s].length);
  return { descr: `<U${w}`, itemSize: 4 * w };
}

/** The .npy preamble + header dict for `descr` and `shape` (version 1.0, or 2.0 when the header needs it). */
function npyHeader(descr: string, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = dict.length + 11 > 65535 ? 2 : 1;
  const pre = version === 1 ? 10 : 12;
  // numpy pads the header with spaces so the data starts on a 64-byte boundary, ending in '\n'.
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, dict.length, true);
  else dv.setUint32(8, dict.length, true);
  out.set(Buffer.from(dict, 'latin1'), pre);
  return out;
}

function checkShape(data: WritableData, shape: number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`npy: shape ${shape.join('x')} has ${n} elements but data has ${data.length}`);
}

function encodeStrings(data: string[], itemSize: number): Uint8Array {
  const out = new Uint8Array(data.length * itemSize);
  const dv = new DataView(out.buffer);
  data.forEach((s, i) => {
    let c = 0;
    for (const ch of s) dv.setUint32(i * itemSize + 4 * c++, ch.codePointAt(0)!, true);
  });
  return out;
}

/** The parts of a .npy file: header bytes, then the payload (a view of `data` for numeric arrays). */
export function npyParts(data: WritableData, shape: number[]): Uint8Array[] {
  checkShape(data, shape);
  const { descr, itemSize } = descrOf(data);
  return [npyHeader(descr, shape), ...(Array.isArray(data) ? [encodeStrings(data, itemSize)] : byteChunks(data))];
}

/** Serialises an array as one .npy byte buffer. */
export function encodeNpy(data: WritableData, shape: number[]): Uint8Array {
  return Buffer.concat(npyParts(data, shape));
}

/** Writes a .npy file atomically; numeric data is written from the array itself, not copied first. */
export function writeNpy(file: string, data: WritableData, shape: number[]): void {
  const parts = npyParts(data, shape);
  writeFileAtomic(file, (append) => parts.forEach(append));
}
