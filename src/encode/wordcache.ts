/**
 * The compact binary word-vector cache. Layout (little endian; every section starts on a 64-byte boundary):
 *   0  'RPWVEC02' magic (8 bytes)      8  u32 version (2)     12 u32 dim      16 u32 count
 *   20 u32 vocab bytes                 24 u32 table slots     28 u32 FNV-1a of everything after the header
 *   32 f64 size of the source file     40 f64 source mtime (ms)               48..63 zero
 *   vocab:  the words in row order, UTF-8, each followed by '\n'
 *   starts: count + 1 int32 byte offsets of the words in vocab
 *   table:  `slots` int32, the open-addressing word -> row + 1 table (see wordtable.ts)
 *   matrix: count x dim float32, each row L2-normalised (a zero row stays zero)
 * Loading is one read of the file, a size check against the header (before anything is allocated),
 * one checksum pass, and typed-array views: no parsing and no per-word work. A torn or stale cache
 * fails a check and is rebuilt rather than trusted.
 */
import { FileFormatError } from '../io/errors';
import { openRead, readExact, writeCacheFileAtomic } from '../io/fsutil';
import { WordTable } from './wordtable';

const MAGIC = 'RPWVEC02';
export const CACHE_VERSION = 2;
const HEADER = 64;
const imul = Math.imul; // local binding: a global Math lookup in a hot loop is ~100x slower under jest's vm

export interface WordVectorData {
  dim: number;
  table: WordTable;
  /** count x dim, unit-norm rows */
  matrix: Float32Array;
}

export interface CacheInfo { sourceSize: number; sourceMtimeMs: number }

/** FNV-1a over 32-bit words (bytes for the tail): about 50 ms for the 140 MB cache. */
export function fnv32(bytes: Uint8Array, h = 0x811c9dc5): number {
  const n4 = bytes.byteOffset % 4 === 0 ? bytes.length >>> 2 : 0;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n4);
  for (let i = 0; i < n4; i++) h = imul(h ^ words[i], 16777619);
  for (let i = n4 * 4; i < bytes.length; i++) h = imul(h ^ bytes[i], 16777619);
  return h >>> 0;
}

const pad64 = (n: number): number => Math.ceil(n / 64) * 64;

function layout(count: number, dim: number, vocabBytes: number, slots: number) {
  const vocab = HEADER;
  const starts = vocab + pad64(vocabBytes);
  const table = starts + pad64(4 * (count + 1));
  const matrix = table + pad64(4 * slots);
  return { vocab, starts, table, matrix, end: matrix + count * dim * 4 };
}

export function writeWordCache(file: string, wv: WordVectorData, info: CacheInfo): void {
  const t = wv.table;
  const count = t.count;
  const L = layout(count, wv.dim, t.blob.length, t.table.length);
  const body = new Uint8Array(L.matrix - HEADER);
  body.set(t.blob, L.vocab - HEADER);
  body.set(new Uint8Array(t.starts.buffer, t.starts.byteOffset, t.starts.byteLength), L.starts - HEADER);
  body.set(new Uint8Array(t.table.buffer, t.table.byteOffset, t.table.byteLength), L.table - HEADER);
  const mat = new Uint8Array(wv.matrix.buffer, wv.matrix.byteOffset, wv.matrix.byteLength);
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(CACHE_VERSION, 8);
  head.writeUInt32LE(wv.dim, 12);
  head.writeUInt32LE(count, 16);
  head.writeUInt32LE(t.blob.length, 20);
  head.writeUInt32LE(t.table.length, 24);
  head.writeUInt32LE(fnv32(mat, fnv32(body)), 28);
  head.writeDoubleLE(info.sourceSize, 32);
  head.writeDoubleLE(info.sourceMtimeMs, 40);
  writeCacheFileAtomic(file, (append) => {
    append(head);
    append(body);
    append(mat);
  });
}

/** Reads and verifies a cache; throws FileFormatError naming the file and the problem. */
export function readWordCache(file: string): WordVectorData & CacheInfo {
  return openRead(file, (fd, size) => {
    if (size < HEADER) throw new FileFormatError(file, `word cache is ${size} bytes, smaller than its header`);
    const head = Buffer.from(readExact(fd, file, 0, HEADER));
    if (head.toString('latin1', 0, 6) !== MAGIC.slice(0, 6)) throw new FileFormatError(file, 'not a reinpool word-vector cache (bad magic)');
    const version = head.readUInt32LE(8);
    if (head.toString('latin1', 0, 8) !== MAGIC || version !== CACHE_VERSION) throw new FileFormatError(file, `word cache version ${version}, expected ${CACHE_VERSION}`);
    const dim = head.readUInt32LE(12);
    const count = head.readUInt32LE(16);
    const vocabBytes = head.readUInt32LE(20);
    const slots = head.readUInt32LE(24);
    const L = layout(count, dim, vocabBytes, slots);
    if (dim < 1 || slots < 1 || (slots & (slots - 1)) !== 0 || slots < count || L.end !== size) {
      throw new FileFormatError(file, `word cache header declares ${count} x ${dim} vectors, ${slots} table slots (${L.end} bytes) but the file has ${size} bytes`);
    }
    // One read into one buffer; everything below is a view of it, not a copy.
    const all = readExact(fd, file, 0, size, new Uint8Array(new ArrayBuffer(size)));
    if (fnv32(all.subarray(HEADER)) !== head.readUInt32LE(28)) throw new FileFormatError(file, 'word cache checksum mismatch');
    const starts = new Int32Array(all.buffer, L.starts, count + 1);
    if (starts[0] !== 0 || starts[count] !== vocabBytes) throw new FileFormatError(file, 'word cache vocabulary offsets are inconsistent');
    const table = new WordTable(all.subarray(L.vocab, L.vocab + vocabBytes), starts, new Int32Array(all.buffer, L.table, slots));
    const matrix = new Float32Array(all.buffer, L.matrix, count * dim);
    return { dim, table, matrix, sourceSize: head.readDoubleLE(32), sourceMtimeMs: head.readDoubleLE(40) };
  });
}
