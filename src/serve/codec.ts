/**
 * The wire formats of POST /v1/compress. A request body is read by io's own readers (the layouts
 * `reinpool compress --docs` reads: flat vectors + offsets, padded, per-document arrays), held in
 * memory; the answer is encoded by the writer `reinpool compress --out` uses, so a safetensors/npz
 * answer is the very file the CLI would write for the same documents.
 *
 * JSON (small batches): {"documents": [[[x, ...], ...], ...], "ids"?: [...]} -> {"dim", "count", "ids"?,
 * "vectors": [[x, ...], ...]}. Every number a float32 reads back exactly (JSON numbers are doubles).
 */
import { encodeMultiVectors, loadMultiVectors } from '../io';
import type { MultiVectorSet } from '../kernels/types';

export type WireFormat = 'safetensors' | 'npz' | 'json';

export const CONTENT_TYPES: Record<WireFormat, string> = {
  safetensors: 'application/x-safetensors',
  npz: 'application/x-npz',
  json: 'application/json',
};

/** A request the service refuses with 400: `message` names what is wrong. */
export class BadRequest extends Error {}

/** The request body's documents. `name` stands for the file in the readers' messages. */
export function decodeBody(format: WireFormat, body: unknown): MultiVectorSet {
  if (format === 'json') return decodeJson(body);
  if (!(body instanceof Uint8Array)) throw new BadRequest('body: expected binary data');
  const name = `body.${format}`;
  try {
    // finite: a NaN or infinity in a request is malformed input (400 naming the row), not a NaN answer
    return loadMultiVectors({ file: name, bytes: body, finite: true });
  } catch (e) {
    throw new BadRequest((e as Error).message);
  }
}

function decodeJson(body: unknown): MultiVectorSet {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body: expected a JSON object {"documents": [...]}');
  const { documents, ids } = body as { documents?: unknown; ids?: unknown };
  if (!Array.isArray(documents)) throw new BadRequest('body.documents: expected a list of documents, each a list of vectors');
  let dim = -1;
  let total = 0;
  documents.forEach((doc: unknown, d) => {
    if (!Array.isArray(doc)) throw new BadRequest(`body.documents[${d}]: expected a list of vectors`);
    doc.forEach((v: unknown, t) => {
      if (!Array.isArray(v)) throw new BadRequest(`body.documents[${d}][${t}]: expected a list of numbers`);
      if (dim < 0) dim = v.length;
      if (v.length !== dim || dim === 0) throw new BadRequest(`body.documents[${d}][${t}]: has ${v.length} numbers, expected ${dim > 0 ? dim : 'at least 1'}`);
    });
    total += doc.length;
  });
  if (dim < 0) throw new BadRequest('body.documents: no vectors (every document needs at least one to give its dimension)');
  const vectors = new Float32Array(total * dim);
  const offsets = new Int32Array(documents.length + 1);
  let row = 0;
  (documents as unknown[][][]).forEach((doc, d) => {
    for (const [t, v] of doc.entries()) {
      for (let j = 0; j < dim; j++) {
        const x = v[j];
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new BadRequest(`body.documents[${d}][${t}][${j}]: ${JSON.stringify(x)} is not a finite number`);
        vectors[row * dim + j] = x;
      }
      row++;
    }
    offsets[d + 1] = row;
  });
  const set: MultiVectorSet = { dim, vectors, offsets };
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length !== documents.length || !ids.every((s) => typeof s === 'string')) {
      throw new BadRequest(`body.ids: expected ${documents.length} strings, one per document`);
    }
    set.ids = ids;
  }
  return set;
}

/** The answer's bytes (or JSON value): one vector per document, offsets 0..n, the request's ids. */
export function encodeAnswer(format: WireFormat, out: MultiVectorSet, metadata: Record<string, string>): Buffer | object {
  if (format === 'json') {
    const n = out.offsets.length - 1;
    const vectors: number[][] = [];
    for (let d = 0; d < n; d++) vectors.push(Array.from(out.vectors.subarray(d * out.dim, (d + 1) * out.dim)));
    return { dim: out.dim, count: n, ...(out.ids ? { ids: out.ids } : {}), vectors };
  }
  return Buffer.concat(encodeMultiVectors(`answer.${format}`, out, { format, metadata }));
}
