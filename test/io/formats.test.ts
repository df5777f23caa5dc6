/**
 * Readers against files written by NumPy (test/fixtures/make-fixtures.py), and our writers read back
 * by our readers and, when python3 with numpy is present, by NumPy itself.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import {
  encodeNpy, loadMultiVectors, parseNpy, readNpy, readNpz, readSafetensors, readSafetensorsHeader,
  writeMultiVectors, writeNpy, writeNpz, writeSafetensors,
} from '../../src/io';

const FX = path.resolve(__dirname, '../fixtures/io');
const fx = (n: string) => path.join(FX, n);
/** what make-fixtures.py wrote into the fixtures, as plain JSON */
interface Expected {
  flat: { vectors: number[]; offsets: number[]; ids: string[]; dim: number };
  f16: number[];
  bf16: number[];
  u1: number[];
  perdoc: { order: string[]; vectors: number[]; offsets: number[] };
  padded: { vectors: number[]; offsets: number[]; all_rows: number[] };
}
const expected = JSON.parse(fs.readFileSync(fx('expected.json'), 'utf8')) as Expected;
const f32 = (a: number[]) => Float32Array.from(a);

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-io-')); });
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('npy', () => {
  test('f4, f2, i4, i8, u1, <U and header versions 2.0 / 3.0', () => {
    const v = readNpy(fx('flat_vectors.npy'));
    expect(v.shape).toEqual([5, 4]);
    expect(v.data).toEqual(f32(expected.flat.vectors));
    expect(readNpy(fx('flat_vectors_f16.npy')).data).toEqual(f32(expected.f16));
    expect(Array.from(readNpy(fx('flat_offsets.npy')).data as Int32Array)).toEqual(expected.flat.offsets);
    expect(Array.from(readNpy(fx('flat_offsets_i8.npy')).data as Int32Array)).toEqual(expected.flat.offsets);
    expect(readNpy(fx('flat_ids.npy')).data).toEqual(expected.flat.ids);
    expect(Array.from(readNpy(fx('u1.npy')).data as Uint8Array)).toEqual(expected.u1);
    for (const f of ['v2.npy', 'v3.npy']) expect(readNpy(fx(f)).data).toEqual(f32(expected.flat.vectors));
  });

  test('refuses fortran order, object arrays and big-endian data with clear errors', () => {
    expect(() => readNpy(fx('fortran.npy'))).toThrow(/fortran\.npy: fortran_order=True/);
    expect(() => readNpy(fx('object.npy'))).toThrow(/object\.npy: object arrays .* unpickle/);
    expect(() => readNpy(fx('bigendian.npy'))).toThrow(/bigendian\.npy: big-endian/);
  });

  test('write -> read round trip (float32, int32, uint8, strings, 0-d shapes)', () => {
    const a = Float32Array.from([1.5, -2, 3.25, 0, 1e-30, 7]);
    const f = path.join(tmp, 'a.npy');
    writeNpy(f, a, [2, 3]);
    expect(readNpy(f)).toEqual({ dtype: 'f32', shape: [2, 3], data: a });
    const s = parseNpy(encodeNpy(['x', 'héllo', ''], [3]), 'mem');
    expect(s.data).toEqual(['x', 'héllo', '']);
    expect(parseNpy(encodeNpy(Int32Array.of(-1, 5), [2]), 'mem').data).toEqual(Int32Array.of(-1, 5));
    expect(parseNpy(encodeNpy(new Float32Array(0), [0, 4]), 'mem').shape).toEqual([0, 4]);
  });
});

describe('npz', () => {
  test('stored and deflated archives', () => {
    for (const f of ['flat.npz', 'flat_compressed.npz']) {
      const m = readNpz(fx(f));
      expect([...m.keys()].sort()).toEqual(['ids', 'offsets', 'vectors']);
      expect(m.get('vectors')!.data).toEqual(f32(expected.flat.vectors));
      expect(m.get('ids')!.data).toEqual(expected.flat.ids);
    }
  });

  test('write -> read, stored and compressed', () => {
    for (const compress of [false, true]) {
      const f = path.join(tmp, `w${compress}.npz`);
      writeNpz(f, { x: { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] }, n: { data: ['a', 'bb'], shape: [2] } }, { compress });
      const m = readNpz(f);
      expect(m.get('x')!.data).toEqual(Float32Array.of(1, 2, 3, 4));
      expect(m.get('n')!.data).toEqual(['a', 'bb']);
    }
  });
});

describe('safetensors', () => {
  test('F32 + I64 + metadata, F16, BF16', () => {
    const r = readSafetensors(fx('flat_f32.safetensors'));
    expect(r.tensors.get('vectors')!.data).toEqual(f32(expected.flat.vectors));
    expect(Array.from(r.tensors.get('offsets')!.data as Int32Array)).toEqual(expected.flat.offsets);
    expect(r.metadata.model).toBe('test');
    expect(readSafetensors(fx('flat_f16.safetensors')).tensors.get('vectors')!.data).toEqual(f32(expected.f16));
    expect(readSafetensors(fx('flat_bf16.safetensors')).tensors.get('vectors')!.data).toEqual(f32(expected.bf16));
  });

  test('writer: F32/I32/U8, aligned data, metadata preserved', () => {
    const f = path.join(tmp, 'w.safetensors');
    writeSafetensors(f, { a: { data: Float32Array.of(1, 2, 3), shape: [3] }, b: { data: Int32Array.of(4, 5), shape: [1, 2] }, c: { data: Uint8Array.of(9), shape: [1] } }, { k: 'v' });
    const h = readSafetensorsHeader(f);
    expect(h.dataStart % 8).toBe(0);
    expect(h.metadata).toEqual({ k: 'v' });
    const r = readSafetensors(f);
    expect(r.tensors.get('a')!.data).toEqual(Float32Array.of(1, 2, 3));
    expect(r.tensors.get('b')).toEqual({ dtype: 'i32', shape: [1, 2], data: Int32Array.of(4, 5) });
    expect(r.tensors.get('c')!.data).toEqual(Uint8Array.of(9));
  });

  test('writers take typed arrays from another realm (tfjs-node\'s dataSync inside jest) by their type, and refuse others', () => {
    // a native addon's arrays are the main realm's, jest's tests run in a vm context: instanceof fails there
    const foreign = vm.runInNewContext('[new Float32Array([1.5, -2]), new Int32Array([7]), new Float64Array([1])]') as [Float32Array, Int32Array, Float32Array];
    expect(foreign[0] instanceof Float32Array).toBe(false);
    const f = path.join(tmp, 'realm.safetensors');
    writeSafetensors(f, { w: { data: foreign[0], shape: [2] }, i: { data: foreign[1], shape: [1] } });
    expect(readSafetensors(f).tensors.get('w')).toEqual({ dtype: 'f32', shape: [2], data: Float32Array.of(1.5, -2) });
    expect(readSafetensors(f).tensors.get('i')!.dtype).toBe('i32');
    expect(() => writeSafetensors(f, { d: { data: foreign[2], shape: [1] } })).toThrow(/tensor 'd' must be a Float32Array, Int32Array or Uint8Array, got \[object Float64Array\]/);
    const n = path.join(tmp, 'realm.npy');
    writeNpy(n, foreign[0], [2]);
    expect(readNpy(n).data).toEqual(Float32Array.of(1.5, -2));
    expect(() => encodeNpy(foreign[2], [1])).toThrow(/got \[object Float64Array\]/);
  });
});

describe('loadMultiVectors layouts', () => {
  const flatExpect = (s: ReturnType<typeof loadMultiVectors>, ids = true) => {
    expect(s.dim).toBe(4);
    expect(s.vectors).toEqual(f32(expected.flat.vectors));
    expect(Array.from(s.offsets)).toEqual(expected.flat.offsets);
    if (ids) expect(s.ids).toEqual(expected.flat.ids);
  };
  test('2-D matrix + offsets / lengths / int64 offsets; ids from txt or tensor', () => {
    flatExpect(loadMultiVectors({ file: fx('flat_vectors.npy'), offsets: fx('flat_offsets.npy'), ids: fx('flat_ids.txt') }));
    flatExpect(loadMultiVectors({ file: fx('flat_vectors.npy'), lengths: fx('flat_lengths.npy'), ids: fx('flat_ids.npy') }));
    flatExpect(loadMultiVectors({ file: fx('flat_vectors.npy'), offsets: fx('flat_offsets_i8.npy') }), false);
    flatExpect(loadMultiVectors({ file: fx('flat_vectors.npy'), offsets: `${fx('flat.npz')}#offsets` }), false);
  });
  test('self-describing containers: npz (stored, deflated), safetensors (F32, F16, BF16 + lengths)', () => {
    flatExpect(loadMultiVectors({ file: fx('flat.npz') }));
    flatExpect(loadMultiVectors({ file: fx('flat_compressed.npz') }));
    flatExpect(loadMultiVectors({ file: fx('flat_f32.safetensors') }));
    const h = loadMultiVectors({ file: fx('flat_f16.safetensors') });
    expect(h.vectors).toEqual(f32(expected.f16));
    const b = loadMultiVectors({ file: fx('flat_bf16.safetensors') });
    expect(b.vectors).toEqual(f32(expected.bf16));
    expect(Array.from(b.offsets)).toEqual(expected.flat.offsets);
  });
  test('one array per document, natural order, ids = names', () => {
    for (const f of ['perdoc.npz', 'perdoc.safetensors']) {
      const s = loadMultiVectors({ file: fx(f) });
      expect(s.ids).toEqual(expected.perdoc.order);
      expect(Array.from(s.offsets)).toEqual(expected.perdoc.offsets);
      expect(s.vectors).toEqual(f32(expected.perdoc.vectors));
    }
    const r = loadMultiVectors({ file: fx('perdoc.npz'), order: ['doc10', 'doc1'] });
    expect(r.ids).toEqual(['doc10', 'doc1']);
    expect(Array.from(r.offsets)).toEqual([0, 1, 3]);
  });
  test('padded 3-D + lengths, all rows, trailing-zero trimming', () => {
    const s = loadMultiVectors({ file: fx('padded.npy'), lengths: fx('padded_lengths.npy') });
    expect(Array.from(s.offsets)).toEqual(expected.padded.offsets);
    expect(s.vectors).toEqual(f32(expected.padded.vectors));
    const z = loadMultiVectors({ file: fx('padded.npy'), lengths: 'nonzero' });
    expect(Array.from(z.offsets)).toEqual(expected.padded.offsets);
    const all = loadMultiVectors({ file: fx('padded.npy') });
    expect(Array.from(all.offsets)).toEqual([0, 4, 8, 12]);
    expect(all.vectors).toEqual(f32(expected.padded.all_rows));
  });
  test('rows layout: one vector per item', () => {
    const s = loadMultiVectors({ file: fx('flat_vectors.npy'), layout: 'rows' });
    expect(Array.from(s.offsets)).toEqual([0, 1, 2, 3, 4, 5]);
  });
  test('flat f32 .npy is zero-copy: vectors is the buffer read from disk', () => {
    const s = loadMultiVectors({ file: fx('flat_vectors.npy'), offsets: fx('flat_offsets.npy') });
    expect(s.vectors.byteOffset).toBe(0);
    expect(s.vectors.buffer.byteLength).toBe(s.vectors.byteLength);
  });
});

describe('writeMultiVectors', () => {
  const set = { dim: 2, vectors: Float32Array.of(1, 2, 3, 4, 5, 6), offsets: Int32Array.of(0, 1, 1, 3), ids: ['a', 'b', 'c'] };
  test.each(['out.safetensors', 'out.npz'])('%s round trip with ids', (name) => {
    const f = path.join(tmp, name);
    writeMultiVectors(f, set);
    expect(loadMultiVectors({ file: f })).toEqual(set);
    expect(fs.readdirSync(tmp).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  const py = (() => { try { execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  (py ? test : test.skip)('NumPy reads what we write (.npy, .npz)', () => {
    const f = path.join(tmp, 'np.npz');
    writeMultiVectors(f, set);
    const g = path.join(tmp, 'np.npy');
    writeNpy(g, Float32Array.of(0.5, 1.5), [1, 2]);
    const out = execFileSync('python3', ['-c', `
import numpy as np, json
z = np.load(${JSON.stringify(f)}); a = np.load(${JSON.stringify(g)})
print(json.dumps([z['vectors'].tolist(), z['offsets'].tolist(), z['ids'].tolist(), a.tolist(), str(a.dtype)]))`]).toString();
    expect(JSON.parse(out)).toEqual([[[1, 2], [3, 4], [5, 6]], [0, 1, 1, 3], ['a', 'b', 'c'], [[0.5, 1.5]], 'float32']);
  });
});
