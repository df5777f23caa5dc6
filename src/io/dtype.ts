/**
 * Element conversions shared by the npy and safetensors readers. Floats of every supported width
 * become float32 (the kernels' only vector type); integers become int32 with a range check, because
 * offsets, lengths and owners are Int32Array in the kernel contract.
 */
import { fileError } from './errors';

/** The element types the readers understand, named independently of the file format. */
export type ElemType = 'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u64' | 'u32' | 'u16' | 'u8' | 'bool';

export const ELEM_SIZE: Record<ElemType, number> = {
  f64: 8, f32: 4, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u64: 8, u32: 4, u16: 2, u8: 1, bool: 1,
};

export const isFloatType = (t: ElemType): boolean => t === 'f64' || t === 'f32' || t === 'f16' || t === 'bf16';

/** A decoded array: floats as Float32Array, u8/bool as Uint8Array, other integers as Int32Array, text as string[]. */
export type TensorData = Float32Array | Int32Array | Uint8Array | string[];

export interface Tensor {
  /** element type as stored in the file ('str' for numpy unicode arrays) */
  dtype: ElemType | 'str';
  shape: number[];
  data: TensorData;
}

// IEEE half -> float32 via a 64 K lookup table: built once (256 KB), then one load per element.
let F16_TABLE: Float32Array | undefined;
function f16Table(): Float32Array {
  if (F16_TABLE) return F16_TABLE;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = s * m * 2 ** -24;
    else if (e === 31) t[h] = m ? NaN : s * Infinity;
    else t[h] = s * (1 + m / 1024) * 2 ** (e - 15);
  }
  F16_TABLE = t;
  return t;
}

/**
 * Decodes `count` little-endian elements of type `t` starting at bytes[0] into `out` (a float32 view,
 * length >= count). `bytes` need not be aligned.
 */
export function decodeFloats(t: ElemType, bytes: Uint8Array, count: number, out: Float32Array, file: string): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (t) {
    case 'f32':
      if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, count));
      else out.set(new Float32Array(bytes.slice(0, count * 4).buffer));
      return;
    case 'f16': {
      const tab = f16Table();
      for (let i = 0; i < count; i++) out[i] = tab[dv.getUint16(2 * i, true)];
      return;
    }
    case 'bf16': {
      // bfloat16 is the top half of a float32: shift it back into place.
      const u = new Uint32Array(out.buffer, out.byteOffset, count);
      for (let i = 0; i < count; i++) u[i] = dv.getUint16(2 * i, true) << 16;
      return;
    }
    case 'f64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      return;
    default:
      fileError(file, `expected floating-point data, got ${t}`);
  }
}

/** Decodes integers into int32, refusing values that do not fit (a corrupt offset must not wrap). */
export function decodeInts(t: ElemType, bytes: Uint8Array, count: number, file: string, what: string): Int32Array {
  const out = new Int32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const check = (v: number | bigint, i: number): number => {
    if (v > 2147483647 || v < -2147483648) fileError(file, `${what}[${i}] = ${v} does not fit in int32`);
    return Number(v);
  };
  for (let i = 0; i < count; i++) {
    switch (t) {
      case 'i32': out[i] = dv.getInt32(4 * i, true); break;
      case 'i64': out[i] = check(dv.getBigInt64(8 * i, true), i); break;
      case 'u64': out[i] = check(dv.getBigUint64(8 * i, true), i); break;
      case 'u32': out[i] = check(dv.getUint32(4 * i, true), i); break;
      case 'i16': out[i] = dv.getInt16(2 * i, true); break;
      case 'u16': out[i] = dv.getUint16(2 * i, true); break;
      case 'i8': out[i] = dv.getInt8(i); break;
      case 'u8': case 'bool': out[i] = dv.getUint8(i); break;
      default: fileError(file, `${what}: expected integer data, got ${t}`);
    }
  }
  return out;
}

/** Decodes a whole tensor payload into the canonical in-memory type for its element type. */
export function decodeTensor(t: ElemType, bytes: Uint8Array, count: number, file: string, what: string): Float32Array | Int32Array | Uint8Array {
  if (isFloatType(t)) {
    const out = new Float32Array(count);
    decodeFloats(t, bytes, count, out, file);
    return out;
  }
  if (t === 'u8' || t === 'bool') return bytes.slice(0, count);
  return decodeInts(t, bytes, count, file, what);
}

/**
 * Product of a declared shape times the element size, checked: every dimension a non-negative safe
 * integer, and the product computed in BigInt so `[2**40, 2**40]` cannot wrap into a small number.
 */
export function checkedByteSize(shape: unknown, elemSize: number, file: string, what: string): { elements: number; bytes: bigint } {
  if (!Array.isArray(shape)) fileError(file, `${what}: shape must be a list of integers, got ${JSON.stringify(shape)}`);
  let n = 1n;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fileError(file, `${what}: shape ${JSON.stringify(shape)} has an invalid dimension ${String(d)}`);
    n *= BigInt(d);
  }
  const bytes = n * BigInt(elemSize);
  // 2**53 elements is far beyond any file; past it Number() loses precision, so refuse outright.
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) fileError(file, `${what}: shape ${JSON.stringify(shape)} overflows (${n} elements)`);
  return { elements: Number(n), bytes };
}

/** Shortest decimal that reads back to the same float32 (at most 9 significant digits). */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(Number(f.toPrecision(9)));
}
