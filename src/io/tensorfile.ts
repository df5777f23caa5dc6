/**
 * Format-independent access to the arrays in a file: sniffs .npy / .npz / .safetensors by magic
 * bytes (not by extension), lists array names, and reads one array by name. A reference
 * `file#name` picks an array inside an .npz or .safetensors container.
 */
import * as fs from 'fs';
import type { Tensor } from './dtype';
import { openForRead } from './fsutil';
import { fileError } from './errors';
import { readNpy } from './npy';
import { listNpz, readNpz } from './npz';
import { readSafetensors, readSafetensorsHeader } from './safetensors';

export type TensorFormat = 'npy' | 'npz' | 'safetensors';

export function sniffFormat(file: string): TensorFormat {
  const fd = openForRead(file);
  try {
    const b = Buffer.alloc(9);
    const n = fs.readSync(fd, b, 0, 9, 0);
    if (n >= 6 && b[0] === 0x93 && b.subarray(1, 6).toString('latin1') === 'NUMPY') return 'npy';
    if (n >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4) return 'npz';
    // safetensors has no magic: an 8-byte little-endian header length, then the JSON header ('{').
    if (n === 9 && b[8] === 0x7b) return 'safetensors';
    fileError(file, `not a .npy, .npz or .safetensors file (no NUMPY magic, no zip signature, no safetensors JSON header; ${n < 9 ? `${n} bytes` : 'starts with ' + JSON.stringify(b.subarray(0, 8).toString('latin1'))})`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Splits `path#name` into file and array name (the part after the last '#', if any). */
export function parseRef(ref: string): { file: string; key?: string } {
  const i = ref.lastIndexOf('#');
  if (i <= 0 || fs.existsSync(ref)) return { file: ref };
  return { file: ref.slice(0, i), key: ref.slice(i + 1) };
}

export interface Container {
  format: TensorFormat;
  names: string[];
  metadata: Record<string, string>;
  read(name: string): Tensor;
}

/** Opens a file as a set of named arrays (a .npy is one array named by `npyName`). */
export function openContainer(file: string, npyName = 'vectors'): Container {
  const format = sniffFormat(file);
  if (format === 'npy') {
    return { format, names: [npyName], metadata: {}, read: () => readNpy(file) };
  }
  if (format === 'npz') {
    const names = listNpz(file);
    let cache: Map<string, Tensor> | undefined;
    return {
      format, names, metadata: {},
      read: (name) => {
        cache ??= readNpz(file);
        const t = cache.get(name);
        if (!t) fileError(file, `no array named '${name}' (has: ${names.join(', ') || 'none'})`);
        return t;
      },
    };
  }
  const h = readSafetensorsHeader(file);
  return {
    format, names: h.tensors.map((t) => t.name), metadata: h.metadata,
    read: (name) => readSafetensors(file, [name]).tensors.get(name)!,
  };
}

/** Reads the array a reference names; without a name the file must hold exactly one array. */
export function readTensorRef(ref: string | { file: string; key?: string }): { tensor: Tensor; where: string } {
  const { file, key } = typeof ref === 'string' ? parseRef(ref) : ref;
  const c = openContainer(file);
  if (key === undefined) {
    if (c.names.length !== 1) fileError(file, `holds ${c.names.length} arrays (${c.names.join(', ')}); name one as ${file}#NAME`);
    return { tensor: c.read(c.names[0]), where: file };
  }
  if (c.format === 'npy') fileError(file, `is a single .npy array; '#${key}' only applies to .npz and .safetensors`);
  if (!c.names.includes(key)) fileError(file, `no array named '${key}' (has: ${c.names.join(', ') || 'none'})`);
  return { tensor: c.read(key), where: `${file}#${key}` };
}
