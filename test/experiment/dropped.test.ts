import { DF_BANDS, describeDropped, whatTheSelectionDrops } from '../../src/experiment/dropped';

// A synthetic corpus of 200 documents: token 0 ("the") in every document and always dropped, token 1
// ("cell") in a quarter of them and kept half the time, token 2 ("rare") once and kept, and one
// empty document whose zero vector has no token (-1).
function corpus() {
  const rows: number[] = [];
  const masks: number[] = [];
  const offsets = [0];
  let cellSeen = 0;
  for (let d = 0; d < 200; d++) {
    if (d === 199) { rows.push(-1); masks.push(1); offsets.push(rows.length); continue; }
    rows.push(0, 0); masks.push(0, 0);
    if (d % 4 === 0) for (let k = 0; k < 4; k++) { rows.push(1); masks.push(cellSeen++ % 2); }
    if (d === 7) { rows.push(2); masks.push(1); }
    offsets.push(rows.length);
  }
  return { rows: Int32Array.from(rows), offsets: Int32Array.from(offsets), masks: Uint8Array.from(masks) };
}
const names = ['the', 'cell', 'rare'];

describe('whatTheSelectionDrops', () => {
  test('keep rates by document-frequency band and the tokens kept least', () => {
    const c = corpus();
    const r = whatTheSelectionDrops(c.rows, c.offsets, c.masks, (id) => names[id]);
    expect(r.byDf).toHaveLength(DF_BANDS.length);
    const band = (df: string) => r.byDf.find((b) => b.df === df)!;
    // "rare": 1 of 200 documents = 0.5%: the 0.1%-1% band, kept
    expect(band('0.1%-1%')).toEqual({ df: '0.1%-1%', vectors: 1, keepRate: 1 });
    // "cell": 50 of 200 = 25%: the 10%-30% band, 200 vectors kept half the time
    expect(band('10%-30%')).toEqual({ df: '10%-30%', vectors: 200, keepRate: 0.5 });
    // "the": 199 of 200 documents (counted once per document though held twice)
    expect(band('30%-100%')).toEqual({ df: '30%-100%', vectors: 398, keepRate: 0 });
    expect(Number.isNaN(band('0-0.1%').keepRate)).toBe(true);
    // the token-less zero vector is left out of every count
    expect(r.keepRate).toBeCloseTo(101 / 599, 12);
    // only tokens with >= 100 vectors are listed, least kept first
    expect(r.mostDropped.map((t) => t.token)).toEqual(['the', 'cell']);
    expect(r.mostDropped[0]).toEqual({ token: 'the', vectors: 398, df: 199 / 200, keepRate: 0 });
    const lines = describeDropped(r);
    expect(lines[0]).toContain('30%-100% 0%');
    expect(lines[1]).toContain('"cell" 50% (df 25%)');
  });

  test('masks or token ids of the wrong length are refused', () => {
    const c = corpus();
    expect(() => whatTheSelectionDrops(c.rows, c.offsets, c.masks.subarray(1), String)).toThrow(/mask entries/);
    expect(() => whatTheSelectionDrops(c.rows.subarray(1), c.offsets, c.masks, String)).toThrow(/token ids/);
  });
});
