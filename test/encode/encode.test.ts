import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  WordTable, clearWordVectorMemo, encodeText, encodeTexts, loadWordVectors, parseWinkEmbeddings, splitSentences, tokenize, WordVectors,
} from '../../src/encode';

let tmp: string;
let source: string;
const WORDS = ['the', 'cat', 'sat', 'mat', '"', 'dog', 'x1'];
/** A tiny file in the wink layout: rows given out of order, a quoted key, exponents, negative zero. */
function writeTinyWink(file: string, extra = ''): void {
  const dim = 3;
  const vec = (i: number) => [i + 1, -(i % 2), i === 3 ? 2.5e-1 : 0.5 * i];
  const entries = WORDS.map((w, i) => ({ w, v: vec(i), i })).reverse();
  const body = entries.map(({ w, v, i }) => `${JSON.stringify(w)}:[${v.map((x, j) => (j === 0 && i === 2 ? '3E0' : String(x))).join(',')},${Math.hypot(...v).toFixed(6)},${i}]`).join(',');
  fs.writeFileSync(file, `{"precision":8,"l2NormIndex":${dim},"wordIndex":${dim + 1},"size":${WORDS.length},"dimensions":${dim},"words":${JSON.stringify(WORDS)},"vectors":{${body}},"unkVector":[0,0,0,0,-1]${extra}}`);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-enc-'));
  source = path.join(tmp, 'tiny.json');
  writeTinyWink(source);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('tokenizer: lowercase [a-z0-9]+ runs; everything else separates', () => {
  expect(tokenize('The Cat-sat, on 2 mats! café naïve don\'t X1')).toEqual(['the', 'cat', 'sat', 'on', '2', 'mats', 'caf', 'na', 've', 'don', 't', 'x1']);
  expect(tokenize('')).toEqual([]);
  expect(tokenize('... !!!')).toEqual([]);
});

test('sentence splitter keeps decimals and splits on . ! ? before a capital or digit', () => {
  expect(splitSentences('We measured 3.5 mg. Results were good! Is it? yes. 42 cases')).toEqual(['We measured 3.5 mg.', 'Results were good!', 'Is it? yes.', '42 cases']);
});

test('wink JSON parser: keys with escapes, exponents, rows placed by wordIndex', () => {
  const r = parseWinkEmbeddings(source);
  expect(r.dim).toBe(3);
  expect(r.words).toEqual(WORDS);
  expect(Array.from(r.matrix.subarray(2 * 3, 3 * 3))).toEqual([3, 0, 1]);
  expect(Array.from(r.matrix.subarray(3 * 3, 4 * 3))).toEqual([4, -1, 0.25]);
});

test('WordTable: exact lookups, non-ASCII words, duplicates keep the first row', () => {
  const words = ['a', 'é', 'café', 'naïve', 'a', '日本', 'b'];
  const t = WordTable.build(words);
  expect(['a', 'é', 'café', 'naïve', '日本', 'b', 'c', 'cafe', 'caf'].map((w) => t.lookup(w))).toEqual([0, 1, 2, 3, 5, 6, -1, -1, -1]);
  expect(t.words()).toEqual(words);
  expect(t.word(5)).toBe('日本');
  const many = Array.from({ length: 5000 }, (_, i) => `w${i}`);
  const big = WordTable.build(many);
  expect(many.every((w, i) => big.lookup(w) === i)).toBe(true);
});

describe('word-vector cache', () => {
  const cacheDir = () => path.join(tmp, 'cache');
  test('built once, then loaded; rows unit-norm; rebuilt when corrupt or stale', () => {
    clearWordVectorMemo();
    const logs: string[] = [];
    const a = loadWordVectors({ source, cacheDir: cacheDir(), log: (m) => logs.push(m) });
    expect(a.origin.kind).toBe('built');
    for (let r = 0; r < WORDS.length; r++) expect(Math.hypot(...a.matrix.subarray(r * 3, r * 3 + 3))).toBeCloseTo(1, 6);
    clearWordVectorMemo();
    const b = loadWordVectors({ source, cacheDir: cacheDir() });
    expect(b.origin.kind).toBe('cache');
    expect(b.words).toEqual(WORDS);
    expect(b.matrix).toEqual(a.matrix);
    expect(WORDS.map((w) => b.lookup(w))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([b.lookup('Dog'), b.lookup('do'), b.lookup('dogs'), b.lookup('')]).toEqual([-1, -1, -1, -1]);
    expect(b.word(4)).toBe('"');

    // flip one byte of the matrix: checksum mismatch -> rebuilt
    const file = b.origin.cacheFile;
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff;
    fs.writeFileSync(file, bytes);
    clearWordVectorMemo();
    const c = loadWordVectors({ source, cacheDir: cacheDir(), log: (m) => logs.push(m) });
    expect(c.origin.kind).toBe('built');
    expect(logs.some((m) => m.includes('checksum mismatch'))).toBe(true);

    // truncated cache -> size check fails -> rebuilt
    fs.truncateSync(file, 100);
    clearWordVectorMemo();
    expect(loadWordVectors({ source, cacheDir: cacheDir(), log: (m) => logs.push(m) }).origin.kind).toBe('built');
    expect(logs.some((m) => /declares .* but the file has 100 bytes/.test(m))).toBe(true);

    // source changed size -> stale -> rebuilt
    writeTinyWink(source, ',"note":"changed"');
    clearWordVectorMemo();
    expect(loadWordVectors({ source, cacheDir: cacheDir() }).origin.kind).toBe('built');
    clearWordVectorMemo();
  });
});

describe('encoding', () => {
  let wv: WordVectors;
  beforeAll(() => {
    clearWordVectorMemo();
    wv = loadWordVectors({ source, cacheFile: path.join(tmp, 'enc.bin') });
  });
  test('encodeText: one unit vector per in-vocabulary token, OOV dropped', () => {
    const v = encodeText(wv, 'The cat, the UNKNOWN mat');
    expect(v.length).toBe(4 * 3);
    expect(Array.from(v.subarray(0, 3))).toEqual(Array.from(wv.matrix.subarray(0, 3)));
    expect(Array.from(v.subarray(9, 12))).toEqual(Array.from(wv.matrix.subarray(9, 12)));
  });
  test('encodeTexts: empty texts become one zero vector and are reported (default)', () => {
    const s = encodeTexts(wv, ['cat sat', 'zzz qqq', '', 'dog'], { ids: ['a', 'b', 'c', 'd'] });
    expect(Array.from(s.offsets)).toEqual([0, 2, 3, 4, 5]);
    expect(s.empty).toEqual([1, 2]);
    expect(Array.from(s.vectors.subarray(2 * 3, 4 * 3))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(s.rows)).toEqual([1, 2, -1, -1, 5]);
    expect(s.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(encodeTexts(wv, ['cat', 'zzz'], { emptyAs: 'none' }).offsets)).toEqual([0, 1, 1]);
    expect(() => encodeTexts(wv, ['cat', 'zzz'], { emptyAs: 'error', ids: ['a', 'b'] })).toThrow(/text 1 \('b'\) has no in-vocabulary token/);
  });
});
