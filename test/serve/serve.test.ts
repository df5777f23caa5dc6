/**
 * The HTTP compress service with a real Fastify server on a loopback port: every answer equals
 * `reinpool compress`'s output for the same documents bit for bit (safetensors and npz answers are
 * the very file the CLI writes; JSON numbers are the same float32 values), concurrent requests
 * micro-batched into one engine call each get their own rows, and every bad request is answered with
 * its status code and a message while the server keeps serving. Also: the micro-batcher's queue bound
 * (deterministic, with an engine the test holds), /healthz, /metrics, and graceful shutdown of the
 * `reinpool serve` process on SIGTERM with a request in flight.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { subset, writeMultiVectors, loadMultiVectors } from '../../src/io';
import type { MultiVectorSet } from '../../src/kernels/types';
import { MicroBatcher, QueueFull } from '../../src/serve/batcher';
import { writePreprocess } from '../../src/policy/preprocess';
import { createService, Service } from '../../src/serve/server';
import { randomDocs, reinpool, savePolicyDir } from '../../testing/service';
import { cli, rmrf, tmpDir } from '../cli/helpers';

const DIM = 16;
let dir: string;
let policy: string;
let docs: MultiVectorSet;
let docsFile: string;
let service: Service;
let base: string;
/** `reinpool compress` outputs: name -> file */
const cliOut: Record<string, string> = {};

const post = (q: string, type: string, body: Uint8Array | string) =>
  fetch(`${base}/v1/compress${q}`, { method: 'POST', headers: { 'content-type': type }, body });
const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());

beforeAll(async () => {
  dir = tmpDir('serve');
  policy = path.join(dir, 'policy');
  savePolicyDir(policy, DIM);
  // centred as an experiment's policy is, so the compress and queries routes both apply a centre
  writePreprocess(policy, { center: Float32Array.from({ length: DIM }, (_, i) => 0.05 * (i % 5) - 0.1) });
  docs = randomDocs(40, DIM, 1, 30, 3);
  docsFile = path.join(dir, 'docs.safetensors');
  writeMultiVectors(docsFile, docs);
  for (const [name, extra] of [['default.safetensors', []], ['default.npz', []], ['top3.safetensors', ['--keep-top-k', '3']],
    ['maxpool.safetensors', ['--pool', 'max', '--threshold', '0.3']]] as Array<[string, string[]]>) {
    cliOut[name] = path.join(dir, `cli-${name}`);
    const r = await cli('compress', '--policy', policy, '--docs', docsFile, '--out', cliOut[name], '-q', ...extra);
    expect(r.code).toBe(0);
  }
  service = await createService({ policyDir: policy, bodyLimit: 1 << 20, maxQueue: 64 });
  base = await service.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await service?.close();
  rmrf(dir);
});

describe('POST /v1/compress answers what reinpool compress writes', () => {
  test('safetensors and npz bodies: the answer is byte for byte the CLI\'s output file', async () => {
    const st = fs.readFileSync(docsFile);
    for (const [q, want] of [['', 'default.safetensors'], ['?keep-top-k=3', 'top3.safetensors'], ['?pool=max&threshold=0.3', 'maxpool.safetensors']]) {
      const r = await post(q, 'application/x-safetensors', st);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/application\/x-safetensors/);
      expect(Buffer.from(await bytes(r)).equals(fs.readFileSync(cliOut[want]))).toBe(true);
    }
    const npzIn = path.join(dir, 'docs.npz');
    writeMultiVectors(npzIn, docs);
    const r = await post('', 'application/x-npz', fs.readFileSync(npzIn));
    expect(r.status).toBe(200);
    expect(Buffer.from(await bytes(r)).equals(fs.readFileSync(cliOut['default.npz']))).toBe(true);
  });

  test('POST /v1/queries answers what reinpool compress --queries writes: centred, summed, unit norm', async () => {
    const queries = randomDocs(9, DIM, 1, 6, 11);
    const qFile = path.join(dir, 'queries.safetensors');
    const want = path.join(dir, 'cli-queries.safetensors');
    writeMultiVectors(qFile, queries);
    expect((await cli('compress', '--policy', policy, '--queries', '--docs', qFile, '--out', want, '-q')).code).toBe(0);
    const r = await fetch(`${base}/v1/queries`, { method: 'POST', headers: { 'content-type': 'application/x-safetensors' }, body: fs.readFileSync(qFile) });
    expect(r.status).toBe(200);
    expect(Buffer.from(await bytes(r)).equals(fs.readFileSync(want))).toBe(true);
    const got = loadMultiVectors({ file: want });
    const mu = Float32Array.from({ length: DIM }, (_, i) => 0.05 * (i % 5) - 0.1);
    const sum = Array.from({ length: DIM }, (_, i) => {
      let v = 0;
      for (let t = queries.offsets[4]; t < queries.offsets[5]; t++) v += queries.vectors[t * DIM + i] - mu[i];
      return v;
    });
    const norm = Math.hypot(...sum);
    for (let i = 0; i < DIM; i++) expect(got.vectors[4 * DIM + i]).toBeCloseTo(sum[i] / norm, 5);
    const bad = await fetch(`${base}/v1/queries?keep-top-k=3`, { method: 'POST', headers: { 'content-type': 'application/x-safetensors' }, body: fs.readFileSync(qFile) });
    expect(bad.status).toBe(400);
    expect((await bad.json() as { message: string }).message).toContain('/v1/queries takes no options');
    const wrong = await fetch(`${base}/v1/queries`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(wrong.status).toBe(415);
  });

  test('JSON: the same float32 values and ids', async () => {
    const want = loadMultiVectors({ file: cliOut['top3.safetensors'] });
    const documents = [];
    for (let d = 0; d < 40; d++) {
      const doc = [];
      for (let t = docs.offsets[d]; t < docs.offsets[d + 1]; t++) doc.push(Array.from(docs.vectors.subarray(t * DIM, (t + 1) * DIM)));
      documents.push(doc);
    }
    const r = await post('?keep-top-k=3', 'application/json', JSON.stringify({ documents, ids: docs.ids }));
    expect(r.status).toBe(200);
    const j = await r.json() as { dim: number; count: number; ids: string[]; vectors: number[][] };
    expect([j.dim, j.count]).toEqual([DIM, 40]);
    expect(j.ids).toEqual(docs.ids);
    expect(Float32Array.from(j.vectors.flat())).toEqual(want.vectors);
  });

  test('concurrent requests (micro-batched) each get exactly their own documents\' rows', async () => {
    const want = loadMultiVectors({ file: cliOut['default.safetensors'] });
    const parts = [[0, 7], [7, 8], [8, 20], [20, 33], [33, 40], [3, 30]];
    const answers = await Promise.all(parts.map(async ([a, b]) => {
      const f = path.join(dir, `part-${a}-${b}.safetensors`);
      writeMultiVectors(f, subset(docs, Array.from({ length: b - a }, (_, i) => a + i)));
      const r = await post('', 'application/x-safetensors', fs.readFileSync(f));
      expect(r.status).toBe(200);
      const out = path.join(dir, `answer-${a}-${b}.safetensors`);
      fs.writeFileSync(out, await bytes(r));
      return loadMultiVectors({ file: out });
    }));
    answers.forEach((got, i) => {
      const [a, b] = parts[i];
      expect(got.ids).toEqual(docs.ids!.slice(a, b));
      expect(got.vectors).toEqual(want.vectors.subarray(a * DIM, b * DIM));
    });
  });
});

describe('bad requests get their status code and a message; the server keeps serving', () => {
  test('400 malformed bodies and options, 413, 415', async () => {
    const st = fs.readFileSync(docsFile);
    const withNaN = { ...docs, vectors: docs.vectors.slice() };
    withNaN.vectors[5 * DIM + 2] = NaN;
    const nanFile = path.join(dir, 'nan.safetensors');
    writeMultiVectors(nanFile, withNaN);
    const nanBody = fs.readFileSync(nanFile);
    const cases: Array<[string, string, Uint8Array | string, number, RegExp]> = [
      ['', 'application/x-safetensors', Buffer.from('definitely not a tensor file'), 400, /body\.safetensors: not a \.npy, \.npz or \.safetensors file/],
      ['', 'application/x-safetensors', st.subarray(0, st.length - 100), 400, /body\.safetensors: .*run past the data region/],
      ['', 'application/x-npz', Buffer.from('PK\x03\x04 broken zip'), 400, /body\.npz: corrupt \.npz archive/],
      ['', 'application/x-safetensors', nanBody, 400, /body\.safetensors: non-finite value NaN at row 5, column 2 \(document \d+ 'doc\d+'\)/],
      ['', 'application/json', '{"documents": [[[1, 2]], [[1, 2, 3]]]}', 400, /body\.documents\[1\]\[0\]: has 3 numbers, expected 2/],
      ['', 'application/json', '{"documents": [[[1, "x"]]]}', 400, /body\.documents\[0\]\[0\]\[1\]: "x" is not a finite number/],
      ['', 'application/json', '{"documents": [[[1, 2]]]}', 400, /the policy takes 16-d vectors but the documents are 2-d/],
      ['', 'application/json', '{"documents": ', 400, /JSON/],
      ['?keep-top-k=0', 'application/x-safetensors', st, 400, /keep-top-k must be an integer >= 1, got '0'/],
      ['?threshold=0.4&keep-ratio=0.5', 'application/x-safetensors', st, 400, /exclusive/],
      ['?topk=3', 'application/x-safetensors', st, 400, /unknown option 'topk'/],
      ['', 'application/x-safetensors', Buffer.alloc((1 << 20) + 1), 413, /[Bb]ody is too large/],
      ['', 'text/plain', 'hello', 415, /content type 'text\/plain' is not one of application\/x-safetensors, application\/x-npz, application\/json|Unsupported Media Type/],
    ];
    for (const [q, type, body, code, msg] of cases) {
      const r = await post(q, type, body);
      const j = await r.json() as { statusCode: number; message: string };
      expect([r.status, j.statusCode]).toEqual([code, code]);
      expect(j.message).toMatch(msg);
    }
    const ok = await post('', 'application/x-safetensors', st);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await bytes(ok)).equals(fs.readFileSync(cliOut['default.safetensors']))).toBe(true);
  });

  test('429 with Retry-After when more requests come at once than --max-queue admits; the rest are answered correctly', async () => {
    // a wide policy (512 hidden units) so that the engine, not parsing, is what requests wait for
    const wide = path.join(dir, 'policy-wide');
    savePolicyDir(wide, DIM, 512);
    const small = await createService({ policyDir: wide, maxQueue: 1, retryAfter: 3 });
    const url = await small.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const big = randomDocs(400, DIM, 100, 200, 9);
      const f = path.join(dir, 'big.safetensors');
      writeMultiVectors(f, big);
      const body = fs.readFileSync(f);
      const rs = await Promise.all(Array.from({ length: 24 }, () => fetch(`${url}/v1/compress`, { method: 'POST', headers: { 'content-type': 'application/x-safetensors' }, body })));
      const codes = rs.map((r) => r.status);
      expect(codes.every((c) => c === 200 || c === 429)).toBe(true);
      expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
      expect(codes.filter((c) => c === 200).length).toBeGreaterThan(0);
      for (const r of rs) {
        if (r.status === 429) {
          expect(r.headers.get('retry-after')).toBe('3');
          expect(((await r.json()) as { message: string }).message).toMatch(/queue is full \(1 requests admitted\)/);
        } else await r.arrayBuffer();
      }
    } finally {
      await small.close();
    }
  });

  test('the micro-batcher admits maxQueue waiting requests beside the running batch and refuses the next', async () => {
    const calls: number[] = [];
    let release!: () => void;
    const engine = async (set: MultiVectorSet) => {
      calls.push(set.offsets.length - 1);
      if (calls.length === 1) await new Promise<void>((r) => { release = r; });
      return new Float32Array((set.offsets.length - 1) * set.dim).fill(calls.length);
    };
    const b = new MicroBatcher(engine, { maxQueue: 2, maxBatchVectors: 1000 });
    const one = (n: number) => ({ dim: 1, vectors: new Float32Array(n), offsets: Int32Array.from({ length: n + 1 }, (_, i) => i) });
    const first = b.submit(one(1), {});
    const queued = [b.submit(one(2), {}), b.submit(one(3), {})];
    await expect(b.submit(one(1), {})).rejects.toBeInstanceOf(QueueFull);
    expect(b.depth).toBe(2);
    release();
    const [r1, r2, r3] = await Promise.all([first, ...queued]);
    expect(calls).toEqual([1, 5]); // the two waiting requests went to the engine as one batch of 5 documents
    expect([Array.from(r1), Array.from(r2), Array.from(r3)]).toEqual([[1], [2, 2], [2, 2, 2]]);
  });

  test('the micro-batcher runs a request of soloVectors or more alone, gathering only the small ones', async () => {
    const calls: number[] = [];
    let release!: () => void;
    const engine = async (set: MultiVectorSet) => {
      calls.push(set.offsets.length - 1);
      if (calls.length === 1) await new Promise<void>((r) => { release = r; });
      return new Float32Array((set.offsets.length - 1) * set.dim);
    };
    const b = new MicroBatcher(engine, { maxQueue: 8, maxBatchVectors: 1000, soloVectors: 4 });
    const one = (n: number) => ({ dim: 1, vectors: new Float32Array(n), offsets: Int32Array.from({ length: n + 1 }, (_, i) => i) });
    const all = [b.submit(one(1), {}), b.submit(one(2), {}), b.submit(one(5), {}), b.submit(one(3), {}), b.submit(one(4), {})];
    release();
    await Promise.all(all);
    expect(calls).toEqual([1, 5, 5, 4]); // 2 + 3 gathered; the 5 and the 4 alone
  });
});

test('a client that drops its request half-sent gives its admission back (no 429 for ever after)', async () => {
  const url = new URL(base);
  await new Promise<void>((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: '/v1/compress', method: 'POST', agent: false,
      headers: { 'content-type': 'application/x-safetensors', 'content-length': 100_000 } });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(1000));
    setTimeout(() => { req.destroy(); resolve(); }, 200);
  });
  const end = Date.now() + 5000;
  let admitted = -1;
  while (Date.now() < end && admitted !== 0) {
    admitted = ((await (await fetch(`${base}/healthz`)).json()) as { admitted: number }).admitted;
    if (admitted !== 0) await new Promise((r) => setTimeout(r, 50));
  }
  expect(admitted).toBe(0);
});

test('/healthz and /metrics (Prometheus text: requests, documents, vectors, latency, queue depth)', async () => {
  const h = await fetch(`${base}/healthz`);
  expect(h.status).toBe(200);
  expect(await h.json()).toMatchObject({ status: 'ok', queue: 0, admitted: 0 });
  const m = await (await fetch(`${base}/metrics`)).text();
  for (const name of ['reinpool_http_requests_total{route="/v1/compress",code="200"}', 'reinpool_http_requests_total{route="/v1/compress",code="400"}',
    'reinpool_documents_total', 'reinpool_vectors_total', 'reinpool_http_request_duration_seconds_bucket', 'reinpool_queue_depth 0', 'reinpool_requests_admitted 0',
    'reinpool_process_resident_memory_bytes']) {
    expect(m).toContain(name);
  }
  const docsTotal = Number(/^reinpool_documents_total (\d+)/m.exec(m)![1]);
  expect(docsTotal).toBeGreaterThanOrEqual(40 * 5);
});

test('reinpool serve: SIGTERM lets the request in flight finish, then the process exits 0', async () => {
  const child = reinpool(['serve', '--policy', policy, '--port', '0']);
  try {
    const end = Date.now() + 60_000;
    while (!/listening on (http:\/\/\S+)/.test(child.out())) {
      if (Date.now() > end || child.proc.exitCode !== null) throw new Error(`serve did not start: ${child.err()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = new URL(/listening on (http:\/\/\S+)/.exec(child.out())![1]);
    const body = fs.readFileSync(docsFile);
    const answer = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: '/v1/compress', method: 'POST', agent: false,
        headers: { 'content-type': 'application/x-safetensors', 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.write(body.subarray(0, 1000));
      setTimeout(() => {
        child.proc.kill('SIGTERM');
        setTimeout(() => req.end(body.subarray(1000)), 500);
      }, 300);
    });
    const a = await answer;
    expect(a.status).toBe(200);
    expect(a.body.equals(fs.readFileSync(cliOut['default.safetensors']))).toBe(true);
    expect(await child.exited).toBe(0);
    expect(child.err()).toMatch(/SIGTERM: finishing in-flight requests/);
  } finally {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  }
});
