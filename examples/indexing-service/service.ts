/**
 * An indexing service that stores ONE vector per document in a real local vector store (LanceDB).
 *
 * At ingest a batch of multi-vector documents (ColBERT token vectors, ColPali patches...) is
 * compressed into one L2-normalised vector each - by a trained ReinPool policy (openPolicy) or,
 * without one, by mean pooling - and appended to a LanceDB table. At query time the query's token
 * vectors are centred as the policy's documents were (a policy from `reinpool experiment` is trained
 * on centred vectors) and SUMMED (sum_j max_i <q_j, d_i> = <sum_j q_j, v> when the document is the single
 * vector v), and the table is searched by dot product. Document vectors are unit-norm, so dot
 * product ranks like cosine similarity for a fixed query.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { MultiVectorSet } from '../../src/kernels';

/** Turns a batch of multi-vector documents into one vector per document (count x dim, row-major). */
export interface Compressor {
  readonly name: string;
  compress(docs: MultiVectorSet): Promise<Float32Array>;
  /** queries as the compressed documents expect them before they are summed (a centred policy's centre); absent: as they are */
  readonly prepareQueries?: (queries: MultiVectorSet) => MultiVectorSet;
}

/** Mean pooling of every vector, L2-normalised (the `mean` method of `reinpool eval`). */
export function meanCompressor(): Compressor {
  return {
    name: 'mean',
    async compress(docs) {
      const { getKernels } = await import('../../src/kernels');
      const masks = new Uint8Array(docs.offsets[docs.offsets.length - 1]).fill(1);
      return getKernels().poolMaskedAsync({ docs, masks, groups: 1, mode: 'mean', normalize: true });
    },
  };
}

export interface SearchHit { id: string; score: number }

export interface ServiceOptions {
  /** where LanceDB keeps its files (default: a new temp dir, removed by close()) */
  dir?: string;
  table?: string;
  compressor: Compressor;
}

type LanceTable = import('@lancedb/lancedb').Table;
type LanceConnection = import('@lancedb/lancedb').Connection;

export class IndexingService {
  private table: LanceTable | null = null;
  private dim = 0;
  private ingested = 0;

  private constructor(
    private readonly db: LanceConnection,
    readonly dir: string,
    private readonly tableName: string,
    readonly compressor: Compressor,
    private readonly ownsDir: boolean,
  ) {}

  static async open(opts: ServiceOptions): Promise<IndexingService> {
    const lancedb = await import('@lancedb/lancedb');
    const ownsDir = !opts.dir;
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-lancedb-'));
    const db = await lancedb.connect(dir);
    return new IndexingService(db, dir, opts.table ?? 'documents', opts.compressor, ownsDir);
  }

  /** Compress a batch of documents (ids required) and append them to the table. */
  async ingest(docs: MultiVectorSet): Promise<number> {
    const count = docs.offsets.length - 1;
    if (!docs.ids || docs.ids.length !== count) throw new RangeError(`ingest: docs.ids must hold ${count} ids`);
    if (count === 0) return 0;
    const pooled = await this.compressor.compress(docs);
    const d = docs.dim;
    if (pooled.length !== count * d) throw new RangeError(`ingest: compressor returned ${pooled.length} floats, expected ${count} x ${d}`);
    const rows = [];
    for (let i = 0; i < count; i++) {
      rows.push({ id: docs.ids[i], vector: Array.from(pooled.subarray(i * d, (i + 1) * d)), vectors_in: docs.offsets[i + 1] - docs.offsets[i] });
    }
    if (!this.table) {
      this.dim = d;
      this.table = await this.db.createTable(this.tableName, rows, { mode: 'overwrite' });
    } else {
      if (d !== this.dim) throw new RangeError(`ingest: dimension ${d} differs from the table's ${this.dim}`);
      await this.table.add(rows);
    }
    this.ingested += count;
    return count;
  }

  /** Number of rows stored. */
  async size(): Promise<number> {
    return this.table ? this.table.countRows() : 0;
  }

  /** Sum a multi-vector query (tokens x dim) into one vector. */
  static sumQuery(tokens: Float32Array, dim: number): Float32Array {
    const q = new Float32Array(dim);
    for (let r = 0; r < tokens.length / dim; r++) for (let j = 0; j < dim; j++) q[j] += tokens[r * dim + j];
    return q;
  }

  /**
   * Top-k documents for a multi-vector query: its token vectors are summed and the table is
   * searched exactly (flat scan, dot product). Score = <sum q, v>.
   */
  async search(queryTokens: Float32Array, k: number): Promise<SearchHit[]> {
    if (!this.table) return [];
    const one: MultiVectorSet = { dim: this.dim, vectors: queryTokens, offsets: Int32Array.of(0, queryTokens.length / this.dim) };
    const q = IndexingService.sumQuery((this.compressor.prepareQueries?.(one) ?? one).vectors, this.dim);
    const rows = await this.table.vectorSearch(q).distanceType('dot').bypassVectorIndex().limit(k).select(['id', '_distance']).toArray();
    // LanceDB's dot "distance" is 1 - <q, v>: convert back to a similarity
    return rows.map((r: { id: string; _distance: number }) => ({ id: String(r.id), score: 1 - r._distance }));
  }

  async close(): Promise<void> {
    this.table?.close();
    this.db.close();
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
