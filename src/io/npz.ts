/**
 * NumPy .npz archives (a zip of .npy members, stored or deflated) through fflate. The whole archive is
 * held in memory, so .npz suits inputs up to a few GB; corpora larger than memory should be .npy or
 * .safetensors, which the chunked reader can stream.
 */
import { unzipSync, zipSync, Zippable } from 'fflate';
import type { Tensor } from './dtype';
import { fileError, FileFormatError } from './errors';
import { readWholeFile, writeFileAtomic } from './fsutil';
import { parseNpy, encodeNpy, WritableData } from './npy';

/** Deflate cannot expand data by more than ~1032:1; a larger declared ratio is a corrupt or hostile header. */
const MAX_DEFLATE_RATIO = 1032;

/** Reads every .npy member (or only `names`, given without the .npy suffix), in archive order. */
export function readNpz(file: string, names?: string[]): Map<string, Tensor> {
  return parseNpz(readWholeFile(file), file, names);
}

/** readNpz of an archive held in memory; `file` names it in errors. */
export function parseNpz(bytes: Uint8Array, file: string, names?: string[]): Map<string, Tensor> {
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) fileError(file, 'not an .npz file (no zip signature)');
  const want = names ? new Set(names.map((n) => `${n}.npy`)) : undefined;
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        // fflate allocates each member from its declared size: check it against the archive first.
        if (f.compression === 0 && f.originalSize !== f.size) fileError(file, `member ${f.name} declares ${f.originalSize} bytes but stores ${f.size}`);
        if (f.size > bytes.length) fileError(file, `member ${f.name} declares ${f.size} compressed bytes but the archive has ${bytes.length}`);
        if (f.originalSize > f.size * MAX_DEFLATE_RATIO + 1024) fileError(file, `member ${f.name} declares an implausible size ${f.originalSize} for ${f.size} compressed bytes`);
        if (f.compression !== 0 && f.compression !== 8) fileError(file, `member ${f.name} uses unsupported zip compression method ${f.compression}`);
        return f.name.endsWith('.npy') && (!want || want.has(f.name));
      },
    });
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(file, `corrupt .npz archive: ${(e as Error).message}`);
  }
  const out = new Map<string, Tensor>();
  for (const [name, data] of Object.entries(members)) {
    out.set(name.slice(0, -4), parseNpy(data, `${file}[${name}]`));
  }
  if (names) for (const n of names) if (!out.has(n)) fileError(file, `no array named '${n}' (has: ${listNpzBytes(bytes, file).join(', ')})`);
  return out;
}

/** Names of the .npy members (without suffix), without decompressing them. */
export function listNpz(file: string): string[] {
  return listNpzBytes(readWholeFile(file), file);
}

export function listNpzBytes(bytes: Uint8Array, file: string): string[] {
  const names: string[] = [];
  try {
    unzipSync(bytes, { filter: (f) => { if (f.name.endsWith('.npy')) names.push(f.name.slice(0, -4)); return false; } });
  } catch (e) {
    throw new FileFormatError(file, `corrupt .npz archive: ${(e as Error).message}`);
  }
  return names;
}

export interface NpzEntry { data: WritableData; shape: number[] }

/** Zip entry times: fixed, so the same arrays always give the same bytes (zip stores DOS times from 1980). */
const ZIP_TIME = new Date(1980, 0, 1);

/**
 * The bytes of an .npz; `compress` deflates like np.savez_compressed (default: stored, like np.savez).
 * The same arrays always give the same bytes.
 */
export function encodeNpz(entries: Record<string, NpzEntry>, opts: { compress?: boolean } = {}): Uint8Array {
  const z: Zippable = {};
  for (const [name, e] of Object.entries(entries)) z[`${name}.npy`] = encodeNpy(e.data, e.shape);
  return zipSync(z, { level: opts.compress ? 6 : 0, mtime: ZIP_TIME });
}

/** Writes an .npz (encodeNpz) atomically. */
export function writeNpz(file: string, entries: Record<string, NpzEntry>, opts: { compress?: boolean } = {}): void {
  const bytes = encodeNpz(entries, opts);
  writeFileAtomic(file, (append) => append(bytes));
}
