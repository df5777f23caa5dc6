/**
 * A seeded, coverage-less mutation fuzzer for reinpool's file parsers (TypeScript: libFuzzer cannot
 * run them). Each target reads a FILE (the parsers' real entry points), so every mutated input is
 * written to a scratch file first.
 *
 * Contract checked for every input: the parser either returns a result that passes the target's
 * validation, or throws FileFormatError / TypeError / RangeError whose message names the file.
 * Anything else (another exception class, an error that does not name the file, a result that does
 * not validate, an exec slower than SLOW_MS, or RSS growing past RSS_LIMIT_MB) is a finding: the
 * input is saved as test/fuzz/corpus/<target>/<kind>-<hash> and replayed by test/fuzz/replay.test.ts
 * forever after.
 *
 * Mutations (AFL-style): bit flips, interesting bytes, interesting 16/32/64-bit little-endian
 * integers (header lengths, zip sizes), ASCII digit runs (sizes in text headers), inserted tokens for
 * text formats, deletions, duplications, truncation, and splicing two seeds. Deterministic for a
 * given FUZZ_SEED.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as io from '../../src/io';
import { mulberry32 as rng } from '../../src/random';
export { rng };

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'io');
export const CORPUS = path.join(__dirname, 'corpus');
const SLOW_MS = 2000;
const RSS_LIMIT_MB = 1536;


type Check = (result: unknown, inputBytes: number) => string | null;

export interface Target {
  name: string;
  /** file suffix of the scratch file (some readers pick a layout from it) */
  ext: string;
  text: boolean;
  seeds: () => Uint8Array[];
  /** parses the file; may return a promise (awaited) */
  run: (file: string) => unknown;
  check: Check;
}

const fixtures = (re: RegExp): Uint8Array[] =>
  fs.readdirSync(FIXTURES).filter((f) => re.test(f)).sort().map((f) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, f))));
const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

function tensorBytes(t: io.Tensor): number {
  return Array.isArray(t.data) ? t.data.reduce((a, s) => a + s.length * 2, 0) : (t.data as ArrayBufferView).byteLength;
}

/** A parsed tensor is well-formed: integer non-negative shape, element count matching the data. */
function checkTensor(t: io.Tensor, inputBytes: number, maxExpand: number): string | null {
  if (!t || !Array.isArray(t.shape)) return 'no shape';
  let n = 1;
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) return `bad dimension ${d}`;
    n *= d;
  }
  const len = Array.isArray(t.data) ? t.data.length : (t.data as { length: number }).length;
  if (len !== n) return `shape ${JSON.stringify(t.shape)} has ${n} elements, data has ${len}`;
  if (tensorBytes(t) > inputBytes * maxExpand + 65536) return `result of ${tensorBytes(t)} bytes from a ${inputBytes}-byte file`;
  return null;
}

function checkTensors(m: Map<string, io.Tensor>, inputBytes: number, maxExpand: number): string | null {
  if (!(m instanceof Map)) return 'not a Map';
  let total = 0;
  for (const [k, t] of m) {
    const bad = checkTensor(t, inputBytes, maxExpand);
    if (bad) return `${k}: ${bad}`;
    total += tensorBytes(t);
  }
  return total > inputBytes * maxExpand + 65536 ? `results total ${total} bytes from ${inputBytes}` : null;
}

const stringFields = (rows: unknown, fields: string[], numeric: string[] = []): string | null => {
  if (!Array.isArray(rows)) return 'not an array';
  for (const r of rows as Record<string, unknown>[]) {
    for (const f of fields) if (typeof r[f] !== 'string') return `field ${f} is ${typeof r[f]}`;
    for (const f of numeric) if (typeof r[f] !== 'number' || Number.isNaN(r[f])) return `field ${f} is ${String(r[f])}`;
  }
  return null;
};

const BEIR_CORPUS = '{"_id": "d1", "title": "Alpha", "text": "first document body"}\n{"_id": "d2", "text": "second \\u00e9 doc", "title": ""}\n{"_id": 3, "title": null, "text": "third"}\n';
const BEIR_QUERIES = '{"_id": "q1", "text": "what is alpha"}\n{"_id": "q2", "text": "second query", "metadata": {}}\n';
const BEIR_QRELS = 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq2\td3\t2\n';
const TREC_RUN = 'q1 Q0 d1 1 12.5 reinpool\nq1 Q0 d2 2 3.25 reinpool\nq2 Q0 d3 1 -0.5 tag2\n';
const TREC_QRELS = 'q1 0 d1 1\nq1 0 d2 0\nq2 0 d3 2\n';

export const TARGETS: Target[] = [
  {
    name: 'npy', ext: '.npy', text: false, seeds: () => fixtures(/\.npy$/),
    run: (f) => io.readNpy(f), check: (r, n) => checkTensor(r as io.Tensor, n, 2),
  },
  {
    name: 'npy-header', ext: '.npy', text: false, seeds: () => fixtures(/\.npy$/),
    run: (f) => io.readNpyHeader(f),
    check: (r) => {
      const h = r as io.NpyInfo;
      return Number.isSafeInteger(h.elements) && h.elements >= 0 && Number.isSafeInteger(h.dataOffset) && h.dataBytes >= 0 ? null : `bad header ${JSON.stringify(h)}`;
    },
  },
  {
    name: 'npz', ext: '.npz', text: false, seeds: () => fixtures(/\.npz$/),
    run: (f) => io.readNpz(f), check: (r, n) => checkTensors(r as Map<string, io.Tensor>, n, 1100),
  },
  {
    name: 'safetensors', ext: '.safetensors', text: false, seeds: () => fixtures(/\.safetensors$/),
    run: (f) => io.readSafetensors(f), check: (r, n) => checkTensors((r as { tensors: Map<string, io.Tensor> }).tensors, n, 2),
  },
  {
    name: 'multivector', ext: '.npz', text: false, seeds: () => fixtures(/^(perdoc|flat)\.npz$|\.safetensors$/),
    run: (f) => io.loadMultiVectors({ file: f }),
    check: (r, n) => {
      const s = r as { dim: number; vectors: Float32Array; offsets: Int32Array };
      if (!Number.isInteger(s.dim) || s.dim < 1) return `dim ${s.dim}`;
      if (s.offsets[0] !== 0) return 'offsets[0] != 0';
      for (let i = 1; i < s.offsets.length; i++) if (s.offsets[i] < s.offsets[i - 1]) return 'offsets decrease';
      if (s.offsets[s.offsets.length - 1] * s.dim !== s.vectors.length) return 'offsets do not cover the vectors';
      return s.vectors.byteLength > n * 1100 + 65536 ? 'result too large' : null;
    },
  },
  {
    name: 'beir-corpus', ext: '.jsonl', text: true, seeds: () => [utf8(BEIR_CORPUS)],
    run: (f) => io.readBeirCorpus(f), check: (r) => stringFields(r, ['id', 'title', 'text']),
  },
  {
    name: 'beir-queries', ext: '.jsonl', text: true, seeds: () => [utf8(BEIR_QUERIES)],
    run: (f) => io.readBeirQueries(f), check: (r) => stringFields(r, ['id', 'text']),
  },
  {
    name: 'beir-qrels', ext: '.tsv', text: true, seeds: () => [utf8(BEIR_QRELS)],
    run: (f) => io.readBeirQrels(f), check: (r) => stringFields(r, ['qid', 'docid'], ['rel']),
  },
  {
    name: 'trec-run', ext: '.run', text: true, seeds: () => [utf8(TREC_RUN)],
    run: (f) => io.readTrecRun(f), check: (r) => stringFields(r, ['qid', 'docid', 'tag'], ['rank', 'score']),
  },
  {
    name: 'trec-qrels', ext: '.qrels', text: true, seeds: () => [utf8(TREC_QRELS)],
    run: (f) => io.readTrecQrels(f), check: (r) => stringFields(r, ['qid', 'docid'], ['rel']),
  },
  {
    name: 'ids', ext: '.txt', text: true, seeds: () => fixtures(/\.txt$/),
    run: (f) => io.readIdsFile(f),
    check: (r) => (Array.isArray(r) && (r as unknown[]).every((s) => typeof s === 'string' && s.length > 0) ? null : 'not a list of ids'),
  },
];

// ---- mutations -------------------------------------------------------------------------------

const INTERESTING8 = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x27, 0x22, 0x7b, 0x7d, 0x2c, 0x3a, 0x30, 0x39, 0x2d];
const INTERESTING32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
const TOKENS = ['\n', '\r\n', '\t', '{', '}', '[', ']', '"', ':', ',', '-1', '0', 'NaN', 'Infinity', '1e309', '-0', 'null',
  'true', '"_id"', '"text"', '\\u0000', '\\ud800', '\u00e9', '\ud83d\ude00', '9'.repeat(40), ' '.repeat(64), '\u0000'];

export function mutate(seed: Uint8Array, other: Uint8Array, r: () => number, text: boolean): Uint8Array {
  let b: number[] = Array.from(seed);
  const int = (n: number) => Math.floor(r() * n);
  const rounds = 1 + int(4);
  for (let m = 0; m < rounds; m++) {
    const pos = b.length ? int(b.length) : 0;
    switch (int(text ? 10 : 9)) {
      case 0: if (b.length) b[pos] ^= 1 << int(8); break;
      case 1: if (b.length) b[pos] = INTERESTING8[int(INTERESTING8.length)]; break;
      case 2: { // little-endian integer of 2, 4 or 8 bytes
        const w = [2, 4, 8][int(3)];
        let v = INTERESTING32[int(INTERESTING32.length)];
        if (r() < 0.3) v = int(1 << 20);
        for (let i = 0; i < w && pos + i < b.length; i++) b[pos + i] = i < 4 ? (v >>> (8 * i)) & 0xff : (r() < 0.8 ? 0 : 0xff);
        break;
      }
      case 3: { // rewrite a run of ASCII digits (sizes in text headers, numbers in text formats)
        let s = pos;
        while (s < b.length && (b[s] < 0x30 || b[s] > 0x39)) s++;
        if (s >= b.length) break;
        let e = s;
        while (e < b.length && b[e] >= 0x30 && b[e] <= 0x39) e++;
        const choices = ['0', '1', '2', '255', '65535', '4294967295', '4294967296', '9007199254740993', '99999999999999999999', String(int(100000))];
        b.splice(s, e - s, ...Buffer.from(choices[int(choices.length)]));
        break;
      }
      case 4: b.splice(pos, 1 + int(Math.min(64, Math.max(1, b.length - pos)))); break;
      case 5: { const len = 1 + int(32); b.splice(pos, 0, ...b.slice(pos, pos + len)); break; }
      case 6: b = b.slice(0, int(b.length + 1)); break;
      case 7: { // splice with another seed
        const cut = int(other.length + 1);
        b = b.slice(0, pos).concat(Array.from(other.subarray(cut)));
        break;
      }
      case 8: { const n = 1 + int(8); for (let i = 0; i < n; i++) b.splice(pos, 0, int(256)); break; }
      default: b.splice(pos, 0, ...Buffer.from(TOKENS[int(TOKENS.length)], 'utf8')); break;
    }
  }
  if (b.length > 1 << 16) b = b.slice(0, 1 << 16);
  return Uint8Array.from(b);
}

// ---- one execution ---------------------------------------------------------------------------

export interface Outcome { ok: boolean; kind: 'parsed' | 'rejected' | 'bad-exception' | 'bad-result' | 'slow'; detail: string; ms: number }

const ALLOWED = new Set(['FileFormatError', 'TypeError', 'RangeError']);

export async function execOne(t: Target, file: string, bytes: Uint8Array): Promise<Outcome> {
  fs.writeFileSync(file, bytes);
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    const res = await t.run(file);
    const bad = t.check(res, bytes.length);
    outcome = bad ? { ok: false, kind: 'bad-result', detail: bad, ms: 0 } : { ok: true, kind: 'parsed', detail: '', ms: 0 };
  } catch (e) {
    const err = e as Error;
    const name = err?.name ?? typeof e;
    const msg = String(err?.message ?? e);
    if (ALLOWED.has(name) && msg.includes(path.basename(file))) outcome = { ok: true, kind: 'rejected', detail: `${name}`, ms: 0 };
    else outcome = { ok: false, kind: 'bad-exception', detail: `${name}: ${msg.slice(0, 300)}\n${String(err?.stack ?? '').split('\n').slice(1, 6).join('\n')}`, ms: 0 };
  }
  outcome.ms = performance.now() - t0;
  if (outcome.ok && outcome.ms > SLOW_MS) outcome = { ...outcome, ok: false, kind: 'slow', detail: `${outcome.ms.toFixed(0)} ms` };
  return outcome;
}

export interface FuzzStats { target: string; execs: number; seconds: number; parsed: number; rejected: number; findings: { file: string; outcome: Outcome }[] }

/** Fuzzes one target for `seconds` (or `maxExecs`); findings are saved under corpus/<target>/. */
export async function fuzz(t: Target, seconds: number, seed: number, maxExecs = Infinity): Promise<FuzzStats> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rp-fuzz-${t.name}-`));
  const file = path.join(dir, `input${t.ext}`);
  const seeds = t.seeds();
  const r = rng(seed);
  const stats: FuzzStats = { target: t.name, execs: 0, seconds: 0, parsed: 0, rejected: 0, findings: [] };
  const rss0 = process.memoryUsage.rss();
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  // the unmutated seeds first: they must all parse or be rejected cleanly too
  const queue: Uint8Array[] = [...seeds];
  try {
    while (Date.now() < deadline && stats.execs < maxExecs) {
      const input = queue.length ? queue.shift()! : mutate(seeds[Math.floor(r() * seeds.length)], seeds[Math.floor(r() * seeds.length)], r, t.text);
      const out = await execOne(t, file, input);
      stats.execs++;
      if (out.kind === 'parsed') stats.parsed++;
      if (out.kind === 'rejected') stats.rejected++;
      if (stats.execs % 64 === 0) {
        const grown = (process.memoryUsage.rss() - rss0) / 1048576;
        if (grown > RSS_LIMIT_MB) {
          stats.findings.push({ file: saveFinding(t, 'memory', input), outcome: { ok: false, kind: 'bad-result', detail: `RSS grew by ${grown.toFixed(0)} MB`, ms: out.ms } });
          break;
        }
      }
      if (!out.ok) {
        stats.findings.push({ file: saveFinding(t, out.kind, input), outcome: out });
        if (stats.findings.length >= 5) break;
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  stats.seconds = (Date.now() - t0) / 1000;
  return stats;
}

export function saveFinding(t: Target, kind: string, bytes: Uint8Array): string {
  const dir = path.join(CORPUS, t.name);
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, `${kind}-${crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 16)}${t.ext}`);
  fs.writeFileSync(f, bytes);
  return f;
}
