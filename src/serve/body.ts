/**
 * Request bodies of POST /v1/compress read straight into reused buffers. A ColPali batch is tens of
 * MB; fastify's own buffer parser keeps every socket chunk and concatenates them into a fresh
 * allocation per request, and a fresh allocation that large comes from mmap, so every page of it is
 * faulted in and zeroed by the kernel again on every request: measured, that copy took a third of the
 * server's CPU under load, more than the finite check and the JSON-free decoding together. Here each
 * chunk is copied once, as it arrives, into a buffer taken from a pool of buffers the earlier requests
 * gave back (a request with no Content-Length keeps its chunks and is copied once at the end).
 *
 * The decoded documents are views into that buffer (the readers do not copy aligned float32 data), so
 * a request gives its buffer back only after the engine is done with its documents
 * (`release()`, which the route calls in a finally); a buffer never released is only garbage.
 */
import type { Readable } from 'stream';

/** A body in a pooled buffer: `bytes` is valid until release(). */
export interface PooledBody {
  bytes: Buffer;
  release(): void;
}

/** An error with the HTTP status fastify answers with (its error handler reads statusCode). */
export class BodyError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** Bodies smaller than this are not worth pooling: Node's own small-buffer pool serves them. */
const POOL_MIN_BYTES = 1 << 20;

export class BodyPool {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;

  /** `maxFreeBytes`: the most memory held by buffers no request is using. */
  constructor(private readonly maxFreeBytes: number) {}

  /** A buffer of `size` bytes: a free one of at least size (and at most twice it), else a new one. */
  take(size: number): PooledBody {
    if (size < POOL_MIN_BYTES) return { bytes: Buffer.allocUnsafe(size), release: () => undefined };
    let best = -1;
    this.free.forEach((b, i) => {
      if (b.byteLength >= size && b.byteLength <= 2 * size && (best < 0 || b.byteLength < this.free[best].byteLength)) best = i;
    });
    let ab: ArrayBuffer;
    if (best >= 0) {
      ab = this.free.splice(best, 1)[0];
      this.freeBytes -= ab.byteLength;
    } else {
      // rounded up to a MiB so that bodies of nearly the same size share buffers
      ab = new ArrayBuffer(Math.ceil(size / POOL_MIN_BYTES) * POOL_MIN_BYTES);
    }
    let released = false;
    return {
      bytes: Buffer.from(ab, 0, size),
      release: () => {
        if (released) return;
        released = true;
        this.give(ab);
      },
    };
  }

  /** bytes held by buffers waiting to be reused */
  get idleBytes(): number {
    return this.freeBytes;
  }

  private give(ab: ArrayBuffer): void {
    // the largest buffers go first when over the cap: they are the rarest to be reused
    this.free.push(ab);
    this.freeBytes += ab.byteLength;
    this.free.sort((a, b) => a.byteLength - b.byteLength);
    while (this.freeBytes > this.maxFreeBytes) this.freeBytes -= this.free.pop()!.byteLength;
  }
}

/**
 * Reads `payload` into a pooled buffer. Refuses a body over `limit` bytes (413, before reading when
 * Content-Length says so) and one whose length differs from its Content-Length (400), with fastify's
 * own messages.
 */
export function readBody(payload: Readable, contentLength: string | undefined, limit: number, pool: BodyPool): Promise<PooledBody> {
  const declared = contentLength === undefined ? NaN : Number(contentLength);
  if (declared > limit) return Promise.reject(new BodyError(413, 'Request body is too large'));
  return new Promise((resolve, reject) => {
    const known = Number.isInteger(declared) && declared >= 0;
    const body = known ? pool.take(declared) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (err?: Error, value?: PooledBody) => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
      if (err) {
        body?.release();
        reject(err);
      } else resolve(value!);
    };
    const onData = (chunk: Buffer | string) => {
      const c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (received + c.length > limit) return finish(new BodyError(413, 'Request body is too large'));
      if (body) {
        if (received + c.length > declared) return finish(new BodyError(400, 'Request body size did not match Content-Length'));
        c.copy(body.bytes, received);
      } else chunks.push(c);
      received += c.length;
    };
    const onEnd = () => {
      if (body) {
        if (received !== declared) return finish(new BodyError(400, 'Request body size did not match Content-Length'));
        return finish(undefined, body);
      }
      const whole = pool.take(received);
      let at = 0;
      for (const c of chunks) at += c.copy(whole.bytes, at);
      finish(undefined, whole);
    };
    const onError = (e: Error) => finish(Object.assign(e, { statusCode: 400 }));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
