import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { byteChunks, openRead, readExact, readExactAsync, removeStaleTemps, writeFileAtomic } from '../../src/io/fsutil';

describe('chunked byte views (V8 caps one Uint8Array at 4 GiB; arrays of vectors pass it)', () => {
  test('byteChunks covers a typed array with views of at most `chunk` bytes, in order, without a copy', () => {
    const a = new Float32Array(20).map((_, i) => i);
    const sub = a.subarray(3, 13); // 40 bytes at byte offset 12
    const parts = byteChunks(sub, 16);
    expect(parts.map((p) => p.length)).toEqual([16, 16, 8]);
    expect(parts.every((p) => p.buffer === a.buffer)).toBe(true);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(sub.buffer, sub.byteOffset, sub.byteLength));
    expect(byteChunks(new Float32Array(0))).toEqual([]);
  });

  test('readExact and readExactAsync fill a typed array of another type at its own offset, and name the file when it is short', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-fsutil-'));
    const file = path.join(dir, 'x.bin');
    const src = new Float32Array(64).map((_, i) => i * 0.5);
    fs.writeFileSync(file, Buffer.from(src.buffer));
    const into = new Float32Array(80);
    openRead(file, (fd) => readExact(fd, file, 16, 4 * 30, into.subarray(10, 40)));
    expect(Array.from(into.subarray(10, 40))).toEqual(Array.from(src.subarray(4, 34)));
    expect(into[9]).toBe(0);
    expect(into[40]).toBe(0);
    const fd = fs.openSync(file, 'r');
    try {
      const b = await readExactAsync(fd, file, 0, 256, new Float32Array(64));
      expect(Array.from(b)).toEqual(Array.from(src));
      await expect(readExactAsync(fd, file, 200, 100, new Uint8Array(100))).rejects.toThrow(/x\.bin.*unexpected end of file/);
    } finally {
      fs.closeSync(fd);
    }
    expect(() => openRead(file, (d) => readExact(d, file, 0, 16, new Uint8Array(8)))).toThrow(/a read of 16 bytes into a buffer of 8/);
    fs.rmSync(dir, { recursive: true });
  });
});

test('removeStaleTemps: a dead writer\'s old temp files go; a live, a fresh or an unrelated file stays', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-stale-'));
  try {
    const file = path.join(dir, 'cache.bin');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // exited: its pid is not running (reuse this soon is unlikely)
    const old = Date.now() / 1000 - 3600;
    const make = (name: string, ageOld: boolean) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, 'x');
      if (ageOld) fs.utimesSync(f, old, old);
      return f;
    };
    const stale = make(`.cache.bin.tmp-${dead}-abc`, true);
    const fresh = make(`.cache.bin.tmp-${dead}-def`, false);
    const mine = make(`.cache.bin.tmp-${process.pid}-ghi`, true);
    const parent = make(`.cache.bin.tmp-${process.ppid}-jkl`, true);
    const other = make(`.other.bin.tmp-${dead}-mno`, true);
    const odd = make('.cache.bin.tmp-notapid', true);
    expect(removeStaleTemps(file)).toBe(1);
    expect(fs.existsSync(stale)).toBe(false);
    for (const f of [fresh, mine, parent, other, odd]) expect(fs.existsSync(f)).toBe(true);
    // writers still write beside them, and a missing folder is no error
    writeFileAtomic(file, (append) => append(Uint8Array.of(1, 2, 3)));
    expect(Array.from(fs.readFileSync(file))).toEqual([1, 2, 3]);
    expect(removeStaleTemps(path.join(dir, 'nope', 'x.bin'))).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
