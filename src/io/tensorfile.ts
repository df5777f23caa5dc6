/**
 * Format-independent access to the arrays in a file: sniffs .npy / .npz / .safetensors by magic
 * bytes (not by extension), lists array names, and reads one array by name. A reference
 * `file#name` picks an array inside an .npz or .safetensors container.
 */
import * as fs from 'fs';
import type { Tensor } from './dtype';
import { openForRead, readWholeFile } from './fsutil';
import { fileError } from './errors';
import { parseNpy, readNpy } from './npy';
import { listNpzBytes, parseNpz } from './npz';
import { decodeSafetensorsEntry, parseSafetensorsHeader, readSafetensors, readSafetensorsHeader } from './safetensors';

export type TensorFormat = 'npy' | 'npz' | 'safetensors';

export function sniffFormat(file: string): TensorFormat {
  const fd = openForRead(file);
  try {
    const b = Buffer.alloc(9);
    const n = fs.readSync(fd, b, 0, 9, 0);
    return sniffBytes(b.subarray(0, n), file);
  } finally {
    fs.closeSync(fd);
  }
}

/** The format of bytes from their first 9 (at least); `file` names them in errors. */
export function sniffBytes(bytes: Uint8Array, file: string): TensorFormat {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(9, bytes.byteLength));
  const n = b.length;
  if (n >= 6 && b[0] === 0x93 && b.subarray(1, 6).toString('latin1') === 'NUMPY') return 'npy';
  if (n >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4) return 'npz';
  // safetensors has no magic: an 8-byte little-endian header length, then the JSON header ('{').
  if (n === 9 && b[8] === 0x7b) return 'safetensors';
  fileError(file, `not a .npy, .npz or .safetensors file (no NUMPY magic, no zip signature, no safetensors JSON header; ${n < 9 ? `${n} bytes` : 'starts with ' + JSON.stringify(b.subarray(0, 8).toString('latin1'))})`);
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
  // an .npz is read whole in any case (its members may be deflated)
  if (format === 'npz') return containerFromBytes(readWholeFile(file), file);
  const h = readSafetensorsHeader(file);
  return {
    format, names: h.tensors.map((t) => t.name), metadata: h.metadata,
    read: (name) => readSafetensors(file, [name]).tensors.get(name)!,
  };
}

/**
 * A container held in memory (an HTTP request body, say): the same formats and checks as
 * openContainer, without a file; `name` stands for the file in errors.
 */
export function containerFromBytes(bytes: Uint8Array, name: string, npyName = 'vectors'): Container {
  const format = sniffBytes(bytes, name);
  if (format === 'npy') {
    return { format, names: [npyName], metadata: {}, read: () => parseNpy(bytes, name) };
  }
  if (format === 'npz') {
    const names = listNpzBytes(bytes, name);
    let cache: Map<string, Tensor> | undefined;
    return {
      format, names, metadata: {},
      read: (n) => {
        cache ??= parseNpz(bytes, name);
        const t = cache.get(n);
        if (!t) fileError(name, `no array named '${n}' (has: ${names.join(', ') || 'none'})`);
        return t;
      },
    };
  }
  const h = parseSafetensorsHeader(bytes.byteLength, (pos, len) => bytes.subarray(pos, pos + len), name);
  return {
    format, names: h.tensors.map((t) => t.name), metadata: h.metadata,
    read: (n) => {
      const e = h.tensors.find((t) => t.name === n);
      if (!e) fileError(name, `no tensor named '${n}' (has: ${h.tensors.map((t) => t.name).join(', ') || 'none'})`);
      return decodeSafetensorsEntry(bytes, name, e);
    },
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
