/**
 * Request bodies read into reused buffers (src/serve/body.ts): the pool hands a released buffer to
 * the next body that fits, keeps no more idle memory than its cap, and readBody refuses bodies over
 * the limit (413) or unlike their Content-Length (400). Then a real server under reuse: rounds of
 * concurrent pooled-size requests, each answered with exactly its own documents' vectors (a buffer
 * given back too early would show up here as another request's numbers).
 */
import * as http from 'http';
import * as path from 'path';
import { PassThrough } from 'stream';
import { encodeMultiVectors, loadMultiVectors } from '../../src/io';
import { BodyError, BodyPool, readBody } from '../../src/serve/body';
import { createService } from '../../src/serve/server';
import { randomDocs, savePolicyDir } from '../../testing/service';
import { rmrf, tmpDir } from '../cli/helpers';

const MiB = 1 << 20;

const stream = (chunks: Buffer[]): PassThrough => {
  const s = new PassThrough();
  setImmediate(() => {
    for (const c of chunks) s.write(c);
    s.end();
  });
  return s;
};

describe('BodyPool', () => {
  test('a released buffer is reused for the next body that fits; small bodies are not pooled', () => {
    const pool = new BodyPool(64 * MiB);
    const a = pool.take(3 * MiB + 5);
    expect(a.bytes.length).toBe(3 * MiB + 5);
    const first = a.bytes.buffer;
    a.release();
    a.release(); // idempotent: the buffer is in the pool once
    expect(pool.idleBytes).toBe(4 * MiB);
    const b = pool.take(3 * MiB);
    expect(b.bytes.buffer).toBe(first);
    expect(pool.idleBytes).toBe(0);
    const c = pool.take(3 * MiB); // the only one is in use: a new buffer
    expect(c.bytes.buffer).not.toBe(first);
    b.release();
    // a buffer more than twice the size asked for is not taken (it would hold memory a small body does not need)
    expect(pool.take(MiB).bytes.buffer).not.toBe(first);
    const small = pool.take(1000);
    small.release();
    expect(pool.idleBytes).toBe(4 * MiB);
  });

  test('idle memory stays under the cap: the largest buffers are dropped first', () => {
    const pool = new BodyPool(10 * MiB);
    const bodies = [2, 4, 8].map((m) => pool.take(m * MiB));
    bodies.forEach((b) => b.release());
    expect(pool.idleBytes).toBe(6 * MiB);
    expect(pool.take(8 * MiB).bytes.buffer).not.toBe(bodies[2].bytes.buffer);
    expect(pool.take(4 * MiB).bytes.buffer).toBe(bodies[1].bytes.buffer);
  });
});

describe('readBody', () => {
  const data = Buffer.from(Array.from({ length: 3 * MiB }, (_, i) => i % 251));
  const chunks = [data.subarray(0, 70_000), data.subarray(70_000, 2 * MiB), data.subarray(2 * MiB)];

  test('with and without Content-Length: the same bytes', async () => {
    const pool = new BodyPool(64 * MiB);
    const known = await readBody(stream(chunks), String(data.length), 8 * MiB, pool);
    expect(known.bytes.equals(data)).toBe(true);
    known.release();
    const chunked = await readBody(stream(chunks), undefined, 8 * MiB, pool);
    expect(chunked.bytes.equals(data)).toBe(true);
  });

  test('over the limit: 413, by its Content-Length before reading, or while reading without one', async () => {
    const pool = new BodyPool(64 * MiB);
    for (const len of [String(data.length), undefined]) {
      const e = await readBody(stream(chunks), len, 2 * MiB, pool).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BodyError);
      expect(e).toMatchObject({ statusCode: 413, message: 'Request body is too large' });
    }
  });

  test('a body shorter or longer than its Content-Length: 400, and its buffer goes back to the pool', async () => {
    const pool = new BodyPool(64 * MiB);
    for (const len of [data.length + 1, data.length - 1]) {
      const e = await readBody(stream(chunks), String(len), 8 * MiB, pool).catch((x: unknown) => x);
      expect(e).toMatchObject({ statusCode: 400, message: 'Request body size did not match Content-Length' });
      // one 4 MiB buffer (3 MiB + 1 rounded up to a MiB), taken and given back both times
      expect(pool.idleBytes).toBe(4 * MiB);
    }
  });
});

test('a server reusing request buffers: concurrent large requests each get exactly their own rows, round after round', async () => {
  const dir = tmpDir('serve-body');
  const DIM = 64;
  const policyDir = path.join(dir, 'policy');
  savePolicyDir(policyDir, DIM);
  // solo-vectors 1: every request runs alone, straight from its pooled buffer (no gathering copy)
  const service = await createService({ policyDir, bodyLimit: 16 * MiB, soloVectors: 1 });
  try {
    const base = await service.app.listen({ port: 0, host: '127.0.0.1' });
    // four different batches of about 1.3 MB, well over the pooling threshold
    const sets = [1, 2, 3, 4].map((seed) => randomDocs(20, DIM, 240, 280, seed));
    // copied into this realm's arrays (the addon's fail toEqual's type check under jest's vm)
    const want = await Promise.all(sets.map(async (s) => new Float32Array(await service.policy.compress(s))));
    const bodies = sets.map((s) => Buffer.concat(encodeMultiVectors('b.safetensors', s)));
    expect(Math.min(...bodies.map((b) => b.length))).toBeGreaterThan(MiB);
    for (let round = 0; round < 3; round++) {
      const order = [0, 1, 2, 3, 3, 2, 1, 0];
      const answers = await Promise.all(order.map(async (i) => {
        const r = await fetch(`${base}/v1/compress`, { method: 'POST', headers: { 'content-type': 'application/x-safetensors' }, body: bodies[i] });
        expect(r.status).toBe(200);
        return loadMultiVectors({ file: 'answer.safetensors', bytes: new Uint8Array(await r.arrayBuffer()) });
      }));
      answers.forEach((got, k) => expect(new Float32Array(got.vectors)).toEqual(want[order[k]]));
    }
    // a chunked request (no Content-Length) too
    const chunked = await new Promise<Buffer>((resolve, reject) => {
      const url = new URL(base);
      const req = http.request({ host: url.hostname, port: url.port, path: '/v1/compress', method: 'POST', headers: { 'content-type': 'application/x-safetensors', 'transfer-encoding': 'chunked' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
      });
      req.on('error', reject);
      req.write(bodies[2].subarray(0, 100_000));
      req.end(bodies[2].subarray(100_000));
    });
    expect(new Float32Array(loadMultiVectors({ file: 'answer.safetensors', bytes: new Uint8Array(chunked) }).vectors)).toEqual(want[2]);
  } finally {
    await service.close();
    rmrf(dir);
  }
});
