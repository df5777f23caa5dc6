/**
 * The HTTP compress service on Fastify: a policy opened once, POST /v1/compress micro-batched into
 * the native kernels (batcher.ts), POST /v1/queries (the vectors to search the compressed documents
 * with: OpenPolicy.encodeQueries), GET /healthz, GET /metrics (Prometheus text through prom-client).
 * Every refusal is an answer with its status code and a message (fastify's error shape,
 * {statusCode, error, message}): 400 malformed input (the reader's message), 413 body over the limit,
 * 415 a content type other than the three formats, 429 with Retry-After past maxQueue requests
 * admitted (counted from their first byte, refused before their body is read), 503 while
 * shutting down; close() lets in-flight requests finish.
 */
import * as http from 'http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type * as Prom from 'prom-client';
import type { MultiVectorSet } from '../kernels/types';
import { openPolicy, outputMetadata, queriesMetadata } from '../policy/open';
import type { OpenPolicy } from '../policy/open';
import type { CompressEngine } from '../policy/weights';
import { requireLazily } from '../lazy';
import { MicroBatcher, QueueFull } from './batcher';
import { BodyPool, readBody } from './body';
import type { PooledBody } from './body';
import { BadRequest, CONTENT_TYPES, decodeBody, encodeAnswer } from './codec';
import type { WireFormat } from './codec';
import { callOptions } from './options';

export interface ServiceOptions {
  policyDir: string;
  engine?: CompressEngine;
  /** largest safetensors/npz body in bytes (default 256 MiB) */
  bodyLimit?: number;
  /** most bytes kept for reuse by request buffers no request is using (default 512 MiB; body.ts) */
  bodyPoolBytes?: number;
  /** largest JSON body in bytes (default 16 MiB: JSON is for small batches) */
  jsonLimit?: number;
  /**
   * requests of POST /v1/compress admitted at once: being received, waiting for the engine or in it
   * (default 64). The next one is answered 429 before its body is read, so the memory held by requests
   * is bounded by about maxQueue x bodyLimit.
   */
  maxQueue?: number;
  /** input vectors per engine call when batching requests (default 262,144) */
  maxBatchVectors?: number;
  /** a request of this many vectors or more is not batched with others (default 16,384) */
  soloVectors?: number;
  /** seconds in the Retry-After of a 429 (default 1) */
  retryAfter?: number;
  /** log each request (pino through fastify; default off) */
  logger?: boolean;
}

export interface Service {
  app: FastifyInstance;
  policy: OpenPolicy;
  /** stops accepting, lets in-flight requests finish, then resolves */
  close(): Promise<void>;
}

const FORMAT_OF: Record<string, WireFormat> = Object.fromEntries(Object.entries(CONTENT_TYPES).map(([f, t]) => [t, f as WireFormat]));

function formatOf(req: FastifyRequest): WireFormat | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return FORMAT_OF[type];
}

function metrics(prom: typeof Prom, depth: () => number, admittedNow: () => number) {
  const register = new prom.Registry();
  prom.collectDefaultMetrics({ register, prefix: 'reinpool_' });
  const registers = [register];
  return {
    register,
    requests: new prom.Counter({ name: 'reinpool_http_requests_total', help: 'HTTP requests answered, by route and status code', labelNames: ['route', 'code'], registers }),
    documents: new prom.Counter({ name: 'reinpool_documents_total', help: 'documents compressed', registers }),
    vectors: new prom.Counter({ name: 'reinpool_vectors_total', help: 'input vectors compressed', registers }),
    batches: new prom.Counter({ name: 'reinpool_engine_batches_total', help: 'engine calls (each one micro-batch of requests)', registers }),
    latency: new prom.Histogram({
      name: 'reinpool_http_request_duration_seconds', help: 'time from request to answer, by route', labelNames: ['route'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    queue: new prom.Gauge({ name: 'reinpool_queue_depth', help: 'requests waiting for the engine', registers, collect() { this.set(depth()); } }),
    admitted: new prom.Gauge({ name: 'reinpool_requests_admitted', help: 'compress requests admitted (being received, waiting or in the engine)', registers, collect() { this.set(admittedNow()); } }),
  };
}

export async function createService(o: ServiceOptions): Promise<Service> {
  const { fastify } = requireLazily<typeof import('fastify')>('fastify', 'reinpool serve');
  const prom = requireLazily<typeof Prom>('prom-client', 'reinpool serve');
  const policy = await openPolicy(o.policyDir, o.engine);
  const metadata = { documents: outputMetadata(o.policyDir), queries: queriesMetadata(o.policyDir) };
  const retryAfter = String(o.retryAfter ?? 1);
  const maxQueue = o.maxQueue ?? 64;
  /** compress requests admitted now (the onRequest hook below) */
  let inflight = 0;
  const batcher = new MicroBatcher((set, opts) => policy.compress(set, opts), {
    maxQueue,
    maxBatchVectors: o.maxBatchVectors ?? 262_144,
    soloVectors: o.soloVectors ?? 16_384,
    onBatch: () => m.batches.inc(),
  });
  const m = metrics(prom, () => batcher.depth, () => inflight);
  const bodyLimit = o.bodyLimit ?? 256 * 1024 * 1024;
  const app = fastify({ logger: o.logger ?? false, bodyLimit: o.jsonLimit ?? 16 * 1024 * 1024, return503OnClosing: true });
  const pool = new BodyPool(o.bodyPoolBytes ?? 512 * 1024 * 1024);
  app.addContentTypeParser([CONTENT_TYPES.safetensors, CONTENT_TYPES.npz], { bodyLimit }, (req: FastifyRequest, payload: http.IncomingMessage) => readBody(payload, req.headers['content-length'], bodyLimit, pool));

  app.setErrorHandler((err: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => {
    const code = err instanceof BadRequest ? 400 : err instanceof QueueFull ? 429 : err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (code === 429) void reply.header('retry-after', retryAfter);
    if (code >= 500) req.log.error(err);
    void reply.code(code).send({ statusCode: code, error: http.STATUS_CODES[code], message: err.message });
  });
  // admission: a compress request counts from its first byte to its answer (or the client's abort)
  const admitted = new WeakSet<FastifyRequest>();
  const release = (req: FastifyRequest) => { if (admitted.delete(req)) inflight--; };
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url !== '/v1/compress') return;
    if (inflight >= maxQueue) throw new QueueFull(`the queue is full (${maxQueue} requests admitted)`);
    inflight++;
    admitted.add(req);
  });
  app.addHook('onRequestAbort', async (req) => release(req));
  app.addHook('onResponse', async (req, reply) => {
    release(req);
    const route = req.routeOptions.url ?? 'unknown';
    m.requests.inc({ route, code: String(reply.statusCode) });
    m.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  /** One route's body read, its rows computed by `rows`, and the answer in the body's own format. */
  const route = (what: 'documents' | 'queries', rows: (set: MultiVectorSet, query: Record<string, unknown>) => Promise<Float32Array> | Float32Array) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const format = formatOf(req);
      if (!format) {
        return reply.code(415).send({ statusCode: 415, error: http.STATUS_CODES[415], message: `content type '${req.headers['content-type'] ?? ''}' is not one of ${Object.values(CONTENT_TYPES).join(', ')}` });
      }
      // a binary body's buffer goes back to the pool once the engine is done with the vectors viewing it
      const pooled = format === 'json' ? undefined : req.body as PooledBody;
      let set: MultiVectorSet;
      let vectors: Float32Array;
      try {
        set = decodeBody(format, pooled ? pooled.bytes : req.body);
        if (set.dim !== policy.dim) throw new BadRequest(`body: the policy takes ${policy.dim}-d vectors but the ${what} are ${set.dim}-d`);
        vectors = await rows(set, req.query as Record<string, unknown>);
      } finally {
        pooled?.release();
      }
      const n = set.offsets.length - 1;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = i;
      const out: MultiVectorSet = { dim: set.dim, vectors, offsets, ...(set.ids ? { ids: set.ids } : {}) };
      return reply.type(CONTENT_TYPES[format]).send(encodeAnswer(format, out, metadata[what]));
    };
  app.post('/v1/compress', route('documents', async (set, query) => {
    const opts = callOptions(query);
    const vectors = await batcher.submit(set, opts);
    m.documents.inc(set.offsets.length - 1);
    m.vectors.inc(set.offsets[set.offsets.length - 1]);
    return vectors;
  }));
  // the vectors to search the compressed documents with: centred as the policy's documents are, summed, unit norm
  app.post('/v1/queries', route('queries', (set, query) => {
    if (Object.keys(query).length) throw new BadRequest(`query string: /v1/queries takes no options (queries are centred and summed, never selected), got ${Object.keys(query).join(', ')}`);
    return policy.encodeQueries(set);
  }));
  app.get('/healthz', async () => ({ status: 'ok', policy: policy.describe, queue: batcher.depth, admitted: inflight }));
  app.get('/metrics', async (_req, reply) => reply.type(m.register.contentType).send(await m.register.metrics()));

  await app.ready();
  return {
    app,
    policy,
    close: async () => {
      await app.close();
      await batcher.drained();
    },
  };
}
