/** Dot product of dim float32 values accumulated in float64 (the ts backend's reference arithmetic). */
export function dot(a: Float32Array, aStart: number, b: Float32Array, bStart: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[aStart + j] * b[bStart + j];
  return s;
}
