/**
 * File plumbing: exact positional reads (a short read is a truncated file, never silently zero
 * bytes) and atomic writes (temp file beside the target, fsync, rename) so that a crash or an
 * error never leaves a half-written output where a reader would find it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileError, FileFormatError } from './errors';

/**
 * The bytes of a typed array as views of at most `chunk` bytes each, in order, without a copy: one
 * Uint8Array cannot span more than 4 GiB (V8's limit), while a Float32Array of a billion floats does.
 */
export function byteChunks(a: Pick<ArrayBufferView, 'buffer' | 'byteOffset' | 'byteLength'>, chunk = 1 << 30): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < a.byteLength; off += chunk) out.push(new Uint8Array(a.buffer, a.byteOffset + off, Math.min(chunk, a.byteLength - off)));
  return out;
}

/** The views a read of `len` bytes fills, in order: the first `len` bytes of `target`. */
function readViews(target: ArrayBufferView, len: number, file: string): Uint8Array[] {
  if (target.byteLength < len) throw new RangeError(`${file}: a read of ${len} bytes into a buffer of ${target.byteLength}`);
  return byteChunks({ buffer: target.buffer, byteOffset: target.byteOffset, byteLength: len });
}

/** Reads exactly `len` bytes at `pos` into `into` (any typed array, of any size; default a new buffer), or fails naming the file. */
export function readExact(fd: number, file: string, pos: number, len: number): Uint8Array;
export function readExact<T extends ArrayBufferView>(fd: number, file: string, pos: number, len: number, into: T): T;
export function readExact(fd: number, file: string, pos: number, len: number, into?: ArrayBufferView): ArrayBufferView {
  const target = into ?? new Uint8Array(len);
  let done = 0;
  for (const part of readViews(target, len, file)) {
    for (let at = 0; at < part.length;) {
      const n = fs.readSync(fd, part, at, part.length - at, pos + done);
      if (n === 0) fileError(file, `unexpected end of file: wanted ${len} bytes at offset ${pos}, got ${done}`);
      at += n;
      done += n;
    }
  }
  return target;
}

/** readExact without blocking the event loop. */
export async function readExactAsync<T extends ArrayBufferView>(fd: number, file: string, pos: number, len: number, into: T): Promise<T> {
  let done = 0;
  for (const part of readViews(into, len, file)) {
    for (let at = 0; at < part.length;) {
      const n = await new Promise<number>((res, rej) => fs.read(fd, part, at, part.length - at, pos + done, (err, b) => (err ? rej(new FileFormatError(file, err.message)) : res(b))));
      if (n === 0) fileError(file, `unexpected end of file: wanted ${len} bytes at offset ${pos}, got ${done}`);
      at += n;
      done += n;
    }
  }
  return into;
}

/** Opens `file` for reading; a missing or unreadable file is a FileFormatError naming it. */
export function openForRead(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    throw new FileFormatError(file, (e as Error).message);
  }
}

/** The whole of `file`; a missing or unreadable file is a FileFormatError naming it. */
export function readWholeFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new FileFormatError(file, (e as Error).message);
  }
}

export function openRead<T>(file: string, fn: (fd: number, size: number) => T): T {
  const fd = openForRead(file);
  try {
    return fn(fd, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

/** The name prefix of the temp files writeFileAtomic and writeFileOnce stage `file` in. */
const tempPrefix = (file: string): string => `.${path.basename(file)}.tmp-`;

/**
 * Removes the temp files that writers of `file` killed on this machine left beside it (a SIGKILL or
 * an uncaught Ctrl-C skips the clean-up): those whose writer's pid is not running and which are older
 * than `minAgeMs`. For a cache on local disk, where a pid names a process on this machine; never for
 * outputs on storage other machines write to, where a pid here says nothing about theirs. Returns
 * how many it removed; never throws.
 */
export function removeStaleTemps(file: string, minAgeMs = 10 * 60_000): number {
  const dir = path.dirname(path.resolve(file));
  const prefix = tempPrefix(file);
  let removed = 0;
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return 0; }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isRunning(pid)) continue;
    const tmp = path.join(dir, name);
    try {
      if (Date.now() - fs.statSync(tmp).mtimeMs < minAgeMs) continue;
      fs.unlinkSync(tmp);
      removed++;
    } catch { /* gone already, or not ours to remove */ }
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Writes a temp file beside `file` (fsynced) and hands its path to `commit`; the temp file never outlives the call. */
function viaTempFile<T>(file: string, write: (append: (bytes: Uint8Array) => void) => void, commit: (tmp: string) => T): T {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `${tempPrefix(file)}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let fd = -1;
  let result: T;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    const fdw = fd;
    write((bytes) => {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fdw, bytes, off, Math.min(bytes.length - off, 1 << 30));
    });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    result = commit(tmp);
  } catch (e) {
    if (fd >= 0) try { fs.closeSync(fd); } catch { /* already failing */ }
    try { fs.unlinkSync(tmp); } catch { /* may not exist */ }
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(file, `write failed: ${(e as Error).message}`);
  }
  // Persist the rename/link itself; not every platform lets a directory be opened, so this is best effort.
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* best effort */ }
  return result;
}

/**
 * Writes `file` atomically. `write` receives a function that appends bytes; everything goes to a temp
 * file in the same directory (rename is only atomic within one file system), which is fsynced and then
 * renamed over the target. On any error the temp file is removed and the target is untouched.
 */
export function writeFileAtomic(file: string, write: (append: (bytes: Uint8Array) => void) => void): void {
  viaTempFile(file, write, (tmp) => fs.renameSync(tmp, file));
}

/**
 * writeFileAtomic for a cache on local disk: first removes the temp files killed writers of it left
 * (removeStaleTemps; a GloVe cache's is 140 MB), which a shared output must never do.
 */
export function writeCacheFileAtomic(file: string, write: (append: (bytes: Uint8Array) => void) => void): void {
  removeStaleTemps(file);
  writeFileAtomic(file, write);
}

/**
 * Creates `file` atomically unless it exists: the temp file is hard-linked to the name (link, unlike
 * rename, fails when the name is taken, on local file systems and NFS alike) and then removed. Returns
 * false, writing nothing, when another writer created `file` first: of several processes writing the
 * same output only one ever does.
 */
export function writeFileOnce(file: string, write: (append: (bytes: Uint8Array) => void) => void): boolean {
  return viaTempFile(file, write, (tmp) => {
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      fs.unlinkSync(tmp);
    }
  });
}

/** reinpool's own root directory (its package.json, found by walking up from this file), or null. */
export function packageRoot(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      try {
        if ((JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: unknown }).name === 'reinpool') return dir;
      } catch { /* keep walking */ }
    }
    dir = path.dirname(dir);
  }
  return null;
}
