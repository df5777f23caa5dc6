/**
 * Micro-batching with a bounded queue. Requests wait in arrival order; whenever the engine is free,
 * the oldest request and the queued requests with the same options after it (up to maxBatchVectors
 * vectors in all) go to the engine as ONE set, and each gets its own rows back. Batches form while the
 * engine is busy, so an idle server answers at once (no timer) and a loaded one makes fewer, larger
 * kernel calls. A request of soloVectors vectors or more already fills the kernels' threads by itself:
 * it runs alone, straight from its own arrays, since gathering it would cost a copy of every vector
 * (about as long as the kernel call for large requests) for no gain. Past maxQueue waiting requests,
 * submit() refuses with QueueFull (the server's 429).
 */
import type { MultiVectorSet } from '../kernels/types';
import type { CallOptions } from '../policy/open';

export class QueueFull extends Error {}

interface Pending {
  set: MultiVectorSet;
  opts: CallOptions;
  key: string;
  resolve(v: Float32Array): void;
  reject(e: Error): void;
}

export interface BatcherOptions {
  /** requests allowed to wait for the engine (not counting the batch it is running) */
  maxQueue: number;
  /** at most this many input vectors in one engine call; a larger request runs alone */
  maxBatchVectors: number;
  /** a request of at least this many vectors runs alone, never gathered with others (default 16,384) */
  soloVectors?: number;
  /** called with the documents and vectors of every batch the engine runs */
  onBatch?: (docs: number, vectors: number) => void;
}

const vectorsOf = (s: MultiVectorSet): number => s.offsets[s.offsets.length - 1];

/** Documents of several sets as one (vectors copied once into one array). */
function concat(sets: MultiVectorSet[]): MultiVectorSet {
  const dim = sets[0].dim;
  const vectors = new Float32Array(sets.reduce((a, s) => a + vectorsOf(s), 0) * dim);
  const offsets = new Int32Array(sets.reduce((a, s) => a + s.offsets.length - 1, 0) + 1);
  let row = 0;
  let doc = 0;
  for (const s of sets) {
    vectors.set(s.vectors.subarray(0, vectorsOf(s) * dim), row * dim);
    for (let d = 1; d < s.offsets.length; d++) offsets[doc + d] = row + s.offsets[d];
    row += vectorsOf(s);
    doc += s.offsets.length - 1;
  }
  return { dim, vectors, offsets };
}

export class MicroBatcher {
  private readonly waiting: Pending[] = [];
  private running = false;

  constructor(private readonly engine: (set: MultiVectorSet, opts: CallOptions) => Promise<Float32Array>, private readonly o: BatcherOptions) {}

  /** requests waiting for the engine */
  get depth(): number {
    return this.waiting.length;
  }

  /** Resolves to the set's compressed vectors; rejects with QueueFull when the queue is full. */
  submit(set: MultiVectorSet, opts: CallOptions): Promise<Float32Array> {
    if (this.waiting.length >= this.o.maxQueue) return Promise.reject(new QueueFull(`the queue is full (${this.o.maxQueue} requests waiting)`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ set, opts, key: JSON.stringify(opts), resolve, reject });
      void this.pump();
    });
  }

  /** Resolves when nothing is waiting or running (graceful shutdown). */
  async drained(): Promise<void> {
    while (this.running || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private take(): Pending[] {
    const first = this.waiting.shift()!;
    const batch = [first];
    const solo = this.o.soloVectors ?? 16_384;
    let vectors = vectorsOf(first.set);
    if (vectors >= solo) return batch;
    for (let i = 0; i < this.waiting.length;) {
      const p = this.waiting[i];
      const v = vectorsOf(p.set);
      if (v < solo && p.key === first.key && p.set.dim === first.set.dim && vectors + v <= this.o.maxBatchVectors) {
        batch.push(p);
        vectors += v;
        this.waiting.splice(i, 1);
      } else i++;
    }
    return batch;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.take();
        const set = batch.length === 1 ? batch[0].set : concat(batch.map((p) => p.set));
        try {
          const out = await this.engine(set, batch[0].opts);
          this.o.onBatch?.(set.offsets.length - 1, vectorsOf(set));
          const dim = set.dim;
          let doc = 0;
          for (const p of batch) {
            const n = p.set.offsets.length - 1;
            // copied into this realm's array (an addon-made one fails `instanceof` checks under jest's vm)
            const rows = new Float32Array(n * dim);
            rows.set(out.subarray(doc * dim, (doc + n) * dim));
            p.resolve(rows);
            doc += n;
          }
        } catch (e) {
          for (const p of batch) p.reject(e as Error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
