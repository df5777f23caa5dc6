import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadMultiVectors, openMultiVectorStream, writeMultiVectors } from '../../src/io';

const FX = path.resolve(__dirname, '../fixtures/io');
let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-stream-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function concat(chunks: { first: number; set: { vectors: Float32Array; offsets: Int32Array; ids?: string[] } }[]) {
  const vectors = Float32Array.from(chunks.flatMap((c) => Array.from(c.set.vectors)));
  const lengths = chunks.flatMap((c) => Array.from(c.set.offsets.subarray(1), (o, i) => o - c.set.offsets[i]));
  return { vectors, lengths, firsts: chunks.map((c) => c.first), ids: chunks.flatMap((c) => c.set.ids ?? []) };
}

test('npy + offsets in chunks of 2 documents (sync and async) equals the whole', async () => {
  const spec = { file: path.join(FX, 'flat_vectors.npy'), offsets: path.join(FX, 'flat_offsets.npy'), ids: path.join(FX, 'flat_ids.txt') };
  const whole = loadMultiVectors(spec);
  const s = openMultiVectorStream(spec);
  try {
    expect([s.count, s.total, s.dim]).toEqual([3, 5, 4]);
    const sync = concat([...s.chunksSync(2)]);
    expect(sync.firsts).toEqual([0, 2]);
    expect(sync.vectors).toEqual(whole.vectors);
    expect(sync.lengths).toEqual([2, 0, 3]);
    expect(sync.ids).toEqual(whole.ids);
    const chunks = [];
    for await (const c of s.chunks(1)) chunks.push(c);
    expect(concat(chunks).vectors).toEqual(whole.vectors);
  } finally {
    s.close();
  }
});

test('safetensors F16/BF16 (decoded per chunk) and our own writer output', () => {
  for (const f of ['flat_f16.safetensors', 'flat_bf16.safetensors']) {
    const file = path.join(FX, f);
    const whole = loadMultiVectors({ file });
    const s = openMultiVectorStream({ file });
    expect(concat([...s.chunksSync(2)]).vectors).toEqual(whole.vectors);
    s.close();
  }
  const out = path.join(tmp, 'w.safetensors');
  const set = { dim: 3, vectors: Float32Array.from({ length: 30 }, (_, i) => i), offsets: Int32Array.of(0, 4, 4, 9, 10), ids: ['a', 'b', 'c', 'd'] };
  writeMultiVectors(out, set);
  const s = openMultiVectorStream({ file: out });
  const got = concat([...s.chunksSync(3)]);
  s.close();
  expect(got.vectors).toEqual(set.vectors);
  expect(got.ids).toEqual(set.ids);
  expect(got.lengths).toEqual([4, 0, 5, 1]);
});
