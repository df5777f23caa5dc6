/**
 * A word -> row lookup that lives in flat typed arrays (and so in the cache file itself), instead of
 * a Map rebuilt on every load: building a 341 K-entry Map costs 150-250 ms, longer than reading the
 * whole cache. Words are kept as one UTF-8 blob with start offsets; the table is open addressing
 * (linear probing) over FNV-1a of the word's UTF-16 code units, holding row + 1 (0 = empty).
 */
const imul = Math.imul; // local binding: a global Math lookup in a hot loop is slow under jest's vm

export function hashWord(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = imul(h ^ w.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class WordTable {
  readonly count: number;
  private readonly mask: number;
  private cache: string[] | undefined;

  /**
   * blob: words in row order as UTF-8, each followed by '\n'; starts: count + 1 byte offsets (starts[count] = blob length);
   * table: power-of-two slots of row + 1.
   */
  constructor(readonly blob: Uint8Array, readonly starts: Int32Array, readonly table: Int32Array) {
    this.count = starts.length - 1;
    this.mask = table.length - 1;
  }

  static build(words: string[]): WordTable {
    for (const w of words) if (w.includes('\n')) throw new RangeError(`word table: word ${JSON.stringify(w)} contains a newline`);
    const blob = new Uint8Array(Buffer.from(words.map((w) => `${w}\n`).join(''), 'utf8'));
    const starts = new Int32Array(words.length + 1);
    let r = 0;
    for (let i = 0; i < blob.length; i++) if (blob[i] === 0x0a) starts[++r] = i + 1;
    let size = 1;
    while (size < 2 * words.length) size *= 2;
    const table = new Int32Array(size);
    const t = new WordTable(blob, starts, table);
    words.forEach((w, row) => {
      // First occurrence wins: rows are in frequency order, so a duplicate keeps the more frequent row.
      if (t.lookup(w) >= 0) return;
      let s = hashWord(w) & (size - 1);
      while (table[s] !== 0) s = (s + 1) & (size - 1);
      table[s] = row + 1;
    });
    return t;
  }

  /** The word of `row`. */
  word(row: number): string {
    const a = this.starts[row];
    return Buffer.from(this.blob.buffer, this.blob.byteOffset + a, this.starts[row + 1] - 1 - a).toString('utf8');
  }

  private equals(row: number, w: string): boolean {
    const a = this.starts[row];
    const len = this.starts[row + 1] - 1 - a;
    const b = this.blob;
    // ASCII fast path (every token of our tokenizer): compare code units to bytes directly.
    if (len === w.length) {
      let i = 0;
      for (; i < len; i++) { const c = w.charCodeAt(i); if (c > 0x7f || b[a + i] !== c) break; }
      if (i === len) return true;
      if (w.charCodeAt(i) <= 0x7f) return false;
    }
    if (len < w.length) return false; // UTF-8 is never shorter than the UTF-16 length
    return this.word(row) === w;
  }

  /** The row of `w`, or -1. */
  lookup(w: string): number {
    let s = hashWord(w) & this.mask;
    for (;;) {
      const r = this.table[s] - 1;
      if (r < 0) return -1;
      if (this.equals(r, w)) return r;
      s = (s + 1) & this.mask;
    }
  }

  /** All words in row order (decoded once, on first use). */
  words(): string[] {
    if (!this.cache) {
      const text = Buffer.from(this.blob.buffer, this.blob.byteOffset, this.blob.byteLength).toString('utf8');
      this.cache = this.count === 0 ? [] : text.slice(0, -1).split('\n');
    }
    return this.cache;
  }
}
