/**
 * The compact binary word-vector cache. Layout (little endian):
 *   0  'RPWVEC01' magic (8 bytes)      8  u32 version (1)     12 u32 dim      16 u32 count
 *   20 u32 vocab bytes                 24 u32 FNV-1a of the vocab bytes       28 u32 FNV-1a of the matrix
 *   32 f64 size of the source file     40 f64 source mtime (ms)               48..63 zero
 *   64 vocab: the words, UTF-8, joined by '\n'; zero-padded to a multiple of 64
 *   .. matrix: count x dim float32, each row L2-normalised (a zero row stays zero)
 * The total size is checked against the header before anything is allocated, and both checksums
 * before the data is used, so a torn or stale cache is rebuilt rather than trusted.
 */
import { FileFormatError } from '../io/errors';
import { openRead, readExact, writeFileAtomic } from '../io/fsutil';

const MAGIC = 'RPWVEC01';
export const CACHE_VERSION = 1;
const HEADER = 64;

export interface WordVectorData {
  dim: number;
  words: string[];
  /** count x dim, unit-norm rows */
  matrix: Float32Array;
}

export interface CacheInfo { sourceSize: number; sourceMtimeMs: number }

// A local binding: under jest's vm context every global `Math.imul` lookup in a hot loop is ~100x slower.
const imul = Math.imul;

/** FNV-1a over 32-bit words (bytes for the tail): cheap enough to run on every load (~50 ms for 136 MB). */
export function fnv32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  const words = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2) : Uint32Array.from({ length: 0 });
  const start = words.length * 4;
  for (let i = 0; i < words.length; i++) h = imul(h ^ words[i], 16777619);
  for (let i = start; i < bytes.length; i++) h = imul(h ^ bytes[i], 16777619);
  return h >>> 0;
}

const pad64 = (n: number): number => Math.ceil(n / 64) * 64;

export function writeWordCache(file: string, wv: WordVectorData, info: CacheInfo): void {
  for (const w of wv.words) if (w.includes('\n')) throw new RangeError(`word cache: word ${JSON.stringify(w)} contains a newline`);
  const vocab = Buffer.from(wv.words.join('\n'), 'utf8');
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(CACHE_VERSION, 8);
  head.writeUInt32LE(wv.dim, 12);
  head.writeUInt32LE(wv.words.length, 16);
  head.writeUInt32LE(vocab.length, 20);
  const vocabPadded = new Uint8Array(pad64(vocab.length));
  vocabPadded.set(vocab);
  head.writeUInt32LE(fnv32(vocab), 24);
  const mat = new Uint8Array(wv.matrix.buffer, wv.matrix.byteOffset, wv.matrix.byteLength);
  head.writeUInt32LE(fnv32(mat), 28);
  head.writeDoubleLE(info.sourceSize, 32);
  head.writeDoubleLE(info.sourceMtimeMs, 40);
  writeFileAtomic(file, (append) => {
    append(head);
    append(vocabPadded);
    append(mat);
  });
}

/** Reads and verifies a cache; throws FileFormatError naming the file and the problem. */
export function readWordCache(file: string): WordVectorData & CacheInfo {
  return openRead(file, (fd, size) => {
    if (size < HEADER) throw new FileFormatError(file, `word cache is ${size} bytes, smaller than its header`);
    const head = Buffer.from(readExact(fd, file, 0, HEADER));
    if (head.toString('latin1', 0, 8) !== MAGIC) throw new FileFormatError(file, 'not a reinpool word-vector cache (bad magic)');
    const version = head.readUInt32LE(8);
    if (version !== CACHE_VERSION) throw new FileFormatError(file, `word cache version ${version}, expected ${CACHE_VERSION}`);
    const dim = head.readUInt32LE(12);
    const count = head.readUInt32LE(16);
    const vocabBytes = head.readUInt32LE(20);
    const expected = HEADER + pad64(vocabBytes) + count * dim * 4;
    if (dim < 1 || expected !== size) throw new FileFormatError(file, `word cache header declares ${count} x ${dim} vectors (${expected} bytes) but the file has ${size} bytes`);
    // One read into one buffer; the matrix is a view of it (64-byte aligned), not a copy.
    const all = readExact(fd, file, 0, size, new Uint8Array(new ArrayBuffer(size)));
    const vocab = all.subarray(HEADER, HEADER + vocabBytes);
    const matBytes = all.subarray(HEADER + pad64(vocabBytes));
    if (fnv32(vocab) !== head.readUInt32LE(24)) throw new FileFormatError(file, 'word cache vocabulary checksum mismatch');
    if (fnv32(matBytes) !== head.readUInt32LE(28)) throw new FileFormatError(file, 'word cache matrix checksum mismatch');
    const words = count === 0 ? [] : Buffer.from(vocab.buffer, vocab.byteOffset, vocab.byteLength).toString('utf8').split('\n');
    if (words.length !== count) throw new FileFormatError(file, `word cache holds ${words.length} words, header says ${count}`);
    const matrix = new Float32Array(all.buffer, HEADER + pad64(vocabBytes), count * dim);
    return { dim, words, matrix, sourceSize: head.readDoubleLE(32), sourceMtimeMs: head.readDoubleLE(40) };
  });
}
