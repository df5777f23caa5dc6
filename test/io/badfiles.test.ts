/**
 * Damaged and hostile inputs: each must fail with an Error whose message starts with the file path and
 * names the problem, before anything is allocated from an unchecked size; writers must never leave a
 * partial output file behind.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  encodeNpy, FileFormatError, loadMultiVectors, openMultiVectorStream, readBeirCorpus, readNpy, readNpz,
  readSafetensors, writeFileAtomic, writeMultiVectors, writeNpz,
} from '../../src/io';

const FX = path.resolve(__dirname, '../fixtures/io');
let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-bad-')); });
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

const put = (name: string, bytes: Uint8Array | string): string => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, bytes);
  return f;
};

/** Expects `fn` to throw an error whose message starts with `file: ` and matches `re`. */
function expectFileError(fn: () => unknown, file: string, re: RegExp): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(Error);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${file}: `) || msg.startsWith(`${file}#`) || msg.startsWith(`${file}[`)).toBe(true);
  expect(msg).toMatch(re);
}

function npyWithHeader(dict: string, dataBytes: number): Uint8Array {
  const pre = 10;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const h = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const out = new Uint8Array(total + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, h.length, true);
  out.set(Buffer.from(h, 'latin1'), pre);
  return out;
}

function safetensors(header: object, dataBytes: number, lenOverride?: bigint): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('truncated files', () => {
  test('.npy with data cut short', () => {
    const full = fs.readFileSync(path.join(FX, 'flat_vectors.npy'));
    const f = put('trunc.npy', full.subarray(0, full.length - 10));
    expectFileError(() => readNpy(f), f, /header declares 5 x 4 <f4 \(80 bytes\) but the file has 70 bytes of data \(truncated\?\)/);
    expectFileError(() => loadMultiVectors({ file: f, offsets: path.join(FX, 'flat_offsets.npy') }), f, /truncated/);
  });
  test('.npy cut inside the preamble / header', () => {
    const full = fs.readFileSync(path.join(FX, 'flat_vectors.npy'));
    const f = put('trunc-head.npy', full.subarray(0, 40));
    expectFileError(() => readNpy(f), f, /header declares \d+ bytes but the file has only/);
  });
  test('.safetensors with the data region cut short', () => {
    const full = fs.readFileSync(path.join(FX, 'flat_f32.safetensors'));
    const f = put('trunc.safetensors', full.subarray(0, full.length - 30));
    expectFileError(() => readSafetensors(f), f, /run past the data region/);
  });
  test('.npz cut short', () => {
    const full = fs.readFileSync(path.join(FX, 'flat.npz'));
    const f = put('trunc.npz', full.subarray(0, Math.floor(full.length / 2)));
    expectFileError(() => readNpz(f), f, /corrupt \.npz archive|declares/);
  });
});

describe('wrong magic / not the format', () => {
  test('.npy with bad magic', () => {
    const f = put('magic.npy', 'NOTNUMPY' + ' '.repeat(100));
    expectFileError(() => readNpy(f), f, /bad magic/);
  });
  test('random bytes given as a corpus', () => {
    const f = put('junk.bin', 'hello world, this is not a tensor file at all');
    expectFileError(() => loadMultiVectors({ file: f }), f, /not a \.npy, \.npz or \.safetensors file .*starts with "hello wo"/);
  });
  test('tiny file', () => {
    const f = put('tiny.bin', 'abc');
    expectFileError(() => loadMultiVectors({ file: f }), f, /not a \.npy, \.npz or \.safetensors file .*3 bytes/);
  });
  test('safetensors header that is not JSON', () => {
    const f = put('notjson.safetensors', safetensors({}, 0, 2n).fill(0x41, 8));
    expectFileError(() => readSafetensors(f), f, /does not start with|not valid JSON/);
  });
});

describe('header longer than the file', () => {
  test('.npy header length field past the end', () => {
    const b = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
    new DataView(b.buffer).setUint16(8, 60000, true);
    const f = put('longhead.npy', b);
    expectFileError(() => readNpy(f), f, /header declares 60000 bytes but the file has only \d+/);
  });
  test('.safetensors header length past the end (no allocation of 2^63 bytes)', () => {
    const f = put('longhead.safetensors', safetensors({}, 0, 1n << 62n));
    expectFileError(() => readSafetensors(f), f, /header declares 4611686018427387904 bytes but the file has only/);
  });
});

describe('shapes that overflow or lie', () => {
  test('.npy shape whose product overflows 2^53', () => {
    const f = put('overflow.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", 16));
    expectFileError(() => readNpy(f), f, /overflows/);
  });
  test('.npy declaring far more data than the file holds (checked before allocating)', () => {
    const f = put('big.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 128), }", 4096));
    expectFileError(() => readNpy(f), f, /header declares 1000000 x 128 <f4 \(512000000 bytes\) but the file has 4096 bytes of data/);
  });
  test('.safetensors dimension that is not a safe integer', () => {
    const f = put('overflow.safetensors', safetensors({ v: { dtype: 'F32', shape: [2 ** 60, 2 ** 60], data_offsets: [0, 16] } }, 16));
    expectFileError(() => readSafetensors(f), f, /invalid dimension|overflows/);
  });
  test('.safetensors shape x dtype that disagrees with data_offsets (dtype mismatch)', () => {
    // 4 x 2 F32 = 32 bytes, but the span is 16 bytes: data written as F16, declared F32
    const f = put('dtype.safetensors', safetensors({ v: { dtype: 'F32', shape: [4, 2], data_offsets: [0, 16] } }, 16));
    expectFileError(() => readSafetensors(f), f, /needs 32 bytes but data_offsets span 16 \(dtype mismatch\?\)/);
  });
  test('.safetensors data_offsets outside the data region', () => {
    const f = put('offsets.safetensors', safetensors({ v: { dtype: 'F32', shape: [1000000], data_offsets: [0, 4000000] } }, 8));
    expectFileError(() => readSafetensors(f), f, /run past the data region \(8 bytes/);
  });
  test('.npy dtype mismatch: f2 header over f4 data', () => {
    const f = put('f2f4.npy', npyWithHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", 16));
    expectFileError(() => readNpy(f), f, /\(8 bytes\) but the file has 16 bytes of data \(trailing bytes or wrong dtype\?\)/);
  });
  test('integer array given as vectors', () => {
    const f = path.join(FX, 'flat_offsets.npy');
    expectFileError(() => loadMultiVectors({ file: f, layout: 'rows' }), f, /vectors must be floating point/);
  });
  test('unknown dtypes', () => {
    const f = put('c8.npy', npyWithHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8));
    expectFileError(() => readNpy(f), f, /unsupported dtype '<c8'/);
    const g = put('f8e4.safetensors', safetensors({ v: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1));
    expectFileError(() => readSafetensors(g), g, /unsupported dtype "F8_E4M3"/);
  });
});

describe('ragged structure', () => {
  const vec = path.join(FX, 'flat_vectors.npy');
  test('offsets past the end name the offsets file', () => {
    const o = put('off.npy', encodeNpy(Int32Array.of(0, 2, 9), [3]));
    expectFileError(() => loadMultiVectors({ file: vec, offsets: o }), o, /offsets run past the end: last offset 9 but the vectors have 5 rows/);
  });
  test('decreasing offsets, missing final offset, lengths that do not sum', () => {
    const a = put('dec.npy', encodeNpy(Int32Array.of(0, 3, 2, 5), [4]));
    expectFileError(() => loadMultiVectors({ file: vec, offsets: a }), a, /decrease at index 2/);
    const b = put('short.npy', encodeNpy(Int32Array.of(0, 2, 4), [3]));
    expectFileError(() => loadMultiVectors({ file: vec, offsets: b }), b, /end at 4 but the vectors have 5 rows/);
    const c = put('len.npy', encodeNpy(Int32Array.of(2, 2), [2]));
    expectFileError(() => loadMultiVectors({ file: vec, lengths: c }), c, /sum to 4 but the vectors have 5 rows/);
  });
  test('int64 offsets beyond int32', () => {
    const b = new BigInt64Array([0n, 2n, 1n << 40n]);
    const bytes = new Uint8Array(b.buffer);
    const dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    const head = npyWithHeader(dict, 24);
    head.set(bytes, head.length - 24);
    const o = put('i8big.npy', head);
    expectFileError(() => loadMultiVectors({ file: vec, offsets: o }), o, /does not fit in int32/);
  });
  test('ids count mismatch', () => {
    const ids = put('ids.txt', 'a\nb\n');
    expectFileError(() => loadMultiVectors({ file: vec, offsets: path.join(FX, 'flat_offsets.npy'), ids }), `${vec}`, /2 ids for 3 documents/);
  });
  test('padded lengths larger than the padding', () => {
    const l = put('plen.npy', encodeNpy(Int32Array.of(2, 5, 1), [3]));
    const p = path.join(FX, 'padded.npy');
    expectFileError(() => loadMultiVectors({ file: p, lengths: l }), p, /lengths\[1\] = 5 is outside \[0, 4\]/);
  });
  test('streaming checks the same things', () => {
    const o = put('off2.npy', encodeNpy(Int32Array.of(0, 2, 9), [3]));
    expectFileError(() => openMultiVectorStream({ file: vec, offsets: o }), o, /run past the end/);
    expectFileError(() => openMultiVectorStream({ file: path.join(FX, 'flat.npz') }), path.join(FX, 'flat.npz'), /cannot be streamed/);
  });
});

describe('NaN in the data', () => {
  test('rejected with file, row and column when finite validation is asked; accepted otherwise', () => {
    const v = new Float32Array(8).fill(1);
    v[5] = NaN;
    const f = put('nan.npy', encodeNpy(v, [4, 2]));
    const o = put('nan-off.npy', encodeNpy(Int32Array.of(0, 2, 4), [3]));
    expectFileError(() => loadMultiVectors({ file: f, offsets: o, finite: true }), f, /non-finite value NaN at row 2, column 1 \(document 1\)/);
    expect(loadMultiVectors({ file: f, offsets: o }).vectors[5]).toBeNaN();
  });
});

describe('npz members with lying sizes', () => {
  test('a stored member whose declared size disagrees with its stored size', () => {
    const f = path.join(tmp, 'lie.npz');
    writeNpz(f, { x: { data: new Float32Array(16), shape: [16] } });
    const b = fs.readFileSync(f);
    // patch the uncompressed size in the central directory entry (signature PK\x01\x02, size at +24)
    const cd = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    b.writeUInt32LE(0x7fffffff, cd + 24);
    fs.writeFileSync(f, b);
    expectFileError(() => readNpz(f), f, /declares 2147483647 bytes but stores/);
  });
});

describe('BEIR text files', () => {
  test('invalid JSON line names the file and line', () => {
    const f = put('corpus.jsonl', '{"_id": "1", "text": "a"}\n{"_id": 2, text}\n');
    expectFileError(() => readBeirCorpus(f), f, /line 2: invalid JSON/);
  });
});

describe('writers leave no partial output', () => {
  const files = () => fs.readdirSync(tmp).filter((n) => n.includes('.tmp-'));
  test('an error in the middle of a write removes the temp file and keeps the old target', () => {
    const f = path.join(tmp, 'keep.bin');
    fs.writeFileSync(f, 'old');
    expect(() => writeFileAtomic(f, (append) => { append(new Uint8Array(1000)); throw new Error('disk full (simulated)'); }))
      .toThrow(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: write failed: disk full`));
    expect(fs.readFileSync(f, 'utf8')).toBe('old');
    expect(files()).toEqual([]);
  });
  test('an invalid set is refused before any file is created', () => {
    const f = path.join(tmp, 'bad.safetensors');
    expect(() => writeMultiVectors(f, { dim: 2, vectors: new Float32Array(3), offsets: Int32Array.of(0, 2) })).toThrow(/vectors has 3 values/);
    expect(fs.existsSync(f)).toBe(false);
    expect(files()).toEqual([]);
  });
  test('a directory that does not exist: error names the file, nothing written', () => {
    const f = path.join(tmp, 'no', 'such', 'dir', 'x.npz');
    let err: unknown;
    try { writeMultiVectors(f, { dim: 1, vectors: Float32Array.of(1), offsets: Int32Array.of(0, 1) }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message.startsWith(`${f}: `)).toBe(true);
    expect(fs.existsSync(path.dirname(f))).toBe(false);
  });
});
