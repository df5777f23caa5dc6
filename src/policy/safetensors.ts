/**
 * TEMPORARY minimal float32 safetensors read/write for policy weights and optimizer state, until
 * src/io exports its safetensors module (then this file goes and callers import from '../io').
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../io/fsutil';

export interface F32Tensor { shape: number[]; data: Float32Array }

export function writeF32Safetensors(file: string, tensors: Map<string, F32Tensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const hb = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  writeFileAtomic(file, (append) => {
    append(len);
    append(hb);
    for (const t of tensors.values()) append(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}

export function readF32Safetensors(file: string): { tensors: Map<string, F32Tensor>; metadata: Record<string, string> } {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const tensors = new Map<string, F32Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = h as unknown as Record<string, string>; continue; }
    if (h.dtype !== 'F32') throw new Error(`${file}: tensor '${name}' is ${h.dtype}, expected F32`);
    const [s, e] = h.data_offsets;
    const data = new Float32Array((e - s) / 4);
    new Uint8Array(data.buffer).set(buf.subarray(base + s, base + e));
    tensors.set(name, { shape: h.shape, data });
  }
  return { tensors, metadata };
}
