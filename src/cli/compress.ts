/**
 * reinpool compress: a trained policy + multi-vector documents -> ONE vector per document.
 * Large 2-D .npy / .safetensors inputs are streamed in chunks of documents (io's positional reader),
 * so only one chunk and the output are resident.
 */
import * as path from 'path';
import { Args, CliError, CliIO, CommandSpec, UsageError, progress } from './args';
import { SELECT_OPTIONS, checkQueueUrl, fromOption, loadCompressor, loadSetFromArgs, selectOptions } from './common';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'compress',
  summary: 'Compress multi-vector documents into one L2-normalised vector each with a trained ReinPool policy: keep the vectors '
    + 'the policy selects (p > 0.5 by default, or a top-k / ratio budget), pool them, normalise. The output holds vectors '
    + '[documents x dim], offsets 0..n and the document ids, and is read back by `reinpool eval --docs`.',
  synopsis: '--policy DIR --docs FILE --out FILE [options]',
  options: {
    policy: { type: 'string', value: 'DIR', desc: 'trained policy (OUT/policy from `reinpool train`, or a checkpoint directory)' },
    docs: { type: 'string', value: 'FILE', desc: 'document vectors (.npy/.npz/.safetensors, any layout eval accepts)' },
    'doc-offsets': { type: 'string', value: 'FILE', desc: 'offsets for a 2-D --docs' },
    'doc-ids': { type: 'string', value: 'FILE', desc: 'document ids' },
    out: { type: 'string', value: 'FILE', desc: 'output .safetensors (default) or .npz' },
    chunk: { type: 'string', value: 'N', desc: 'documents per chunk when streaming a 2-D .npy/.safetensors', default: '4096' },
    'no-stream': { type: 'boolean', desc: 'load the whole input at once instead of streaming' },
    engine: { type: 'string', value: 'E', desc: 'native (one kernel call per chunk, no TensorFlow.js; MLP policies) or tfjs. '
      + 'Default: native when the native addon loads, else tfjs; a transformer policy always runs on tfjs' },
    ...SELECT_OPTIONS,
    queue: { type: 'string', value: 'URL', desc: 'split the input into shard jobs on this BullMQ queue (redis://HOST:PORT) for `reinpool worker`s and wait; '
      + '--docs, --policy and --out must be on storage the workers share. Re-running the same command resumes' },
    'shard-docs': { type: 'string', value: 'N', desc: 'documents per shard job with --queue', default: '4096' },
    'keep-shards': { type: 'boolean', desc: 'with --queue: keep OUT.shards/ (the shard files and manifest.json with their checksums) after the merge' },
    queries: { type: 'boolean', desc: "--docs holds multi-vector QUERIES: write each as the vector to search the compressed documents with: "
      + "centred as the policy's documents are (if it was trained so: pooled centred vectors rank raw queries by their share of the corpus mean), summed, L2-normalised; no selection" },
  },
  examples: [
    'reinpool compress --policy run1/policy --docs docs.safetensors --out docs-1v.safetensors',
    'reinpool compress --policy run1/policy --docs vecs.npy --doc-offsets offsets.npy --doc-ids ids.txt --out single.npz --keep-top-k 8',
    'reinpool compress --queue redis://10.0.0.5:6379 --policy /shared/policy --docs /shared/docs.safetensors --out /shared/docs-1v.safetensors',
    'reinpool compress --policy run1/policy --queries --docs queries.safetensors --out queries-1v.safetensors',
  ],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'compress');
    args.dir('policy', true);
    const docsFile = args.file('docs', true)!;
    const offFile = args.file('doc-offsets');
    const idsFile = args.file('doc-ids');
    const out = args.output('out', true)!;
    if (!/\.(safetensors|npz)$/i.test(out)) throw new UsageError(`--out: use a .safetensors or .npz file name, got ${path.basename(out)}`);
    const chunk = args.int('chunk', { min: 1, default: 4096 })!;
    const sel = selectOptions(args);
    const engine = args.str('engine');
    if (engine !== undefined && engine !== 'native' && engine !== 'tfjs') throw new UsageError(`--engine: use native or tfjs, got '${engine}'`);
    const url = args.str('queue');
    if (args.flag('queries')) return prepareQueries(args, io, out);
    if (url !== undefined) return compressOnQueue(args, io, url, { docsFile, offFile, idsFile, out, sel, engine });
    const c = await loadCompressor('policy', args.str('policy')!, { ...sel, engine },
      (msg) => io.stderr.write(`reinpool compress: ${msg}\n`));
    log(`policy: ${c.describe}`);
    const ioMod = await import('../io');
    const { outputMetadata } = await import('../policy/open');

    // stream when the input is a 2-D matrix io can read in chunks; else load it whole
    let stream: import('../io').MultiVectorStream | null = null;
    if (!args.flag('no-stream')) {
      try {
        stream = ioMod.openMultiVectorStream({ file: docsFile, ...(offFile ? { offsets: offFile } : {}), ...(idsFile ? { ids: idsFile } : {}) });
      } catch {
        stream = null; // .npz, padded, per-document arrays: not streamable
      }
    }
    let n: number;
    let dim: number;
    let vectors: Float32Array;
    let ids: string[] | undefined;
    let inputVectors: number;
    const t0 = Date.now();
    if (stream) {
      n = stream.count;
      dim = stream.dim;
      if (dim !== c.dim) { stream.close(); throw new UsageError(`--policy: the policy takes ${c.dim}-d vectors but --docs are ${dim}-d`); }
      vectors = new Float32Array(n * dim);
      ids = stream.ids;
      inputVectors = stream.total;
      log(`streaming ${n} documents (${stream.total} vectors) in chunks of ${chunk}`);
      try {
        for await (const ch of stream.chunks(chunk)) {
          vectors.set(await c.compress(ch.set), ch.first * dim);
          log(`${Math.min(n, ch.first + chunk)}/${n} documents`);
        }
      } catch (e) {
        throw new CliError(`--docs: ${(e as Error).message}`);
      } finally {
        stream.close();
      }
    } else {
      const docs = loadSetFromArgs(args, { file: 'docs', offsets: 'doc-offsets', ids: 'doc-ids' })!;
      n = docs.offsets.length - 1;
      dim = docs.dim;
      if (dim !== c.dim) throw new UsageError(`--policy: the policy takes ${c.dim}-d vectors but --docs are ${dim}-d`);
      ids = docs.ids;
      inputVectors = docs.offsets[n];
      // copied into this realm's Float32Array (an addon-made array fails `instanceof` checks under jest's vm)
      vectors = new Float32Array(n * dim);
      vectors.set(await c.compress(docs));
    }
    writeOneEach(ioMod, out, n, dim, vectors, ids, outputMetadata(args.str('policy')!));
    io.stdout.write(`${out}: ${n} documents x ${dim} (from ${inputVectors} vectors, ${(inputVectors / Math.max(1, n)).toFixed(1)} per document; `
      + `${((inputVectors / Math.max(1, n))).toFixed(0)}x fewer floats) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  },
};

/** n rows of dim floats, one vector per document or query, written with offsets 0..n and the ids. */
function writeOneEach(ioMod: typeof import('../io'), out: string, n: number, dim: number, vectors: Float32Array, ids: string[] | undefined, metadata: Record<string, string>): void {
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i);
  fromOption('out', () => ioMod.writeMultiVectors(out, { dim, vectors, offsets, ...(ids ? { ids } : {}) }, { metadata }));
}

/** --queries: query vectors made ready to search compressed documents with (OpenPolicy.prepareQueries, summed, unit norm). */
async function prepareQueries(args: Args, io: CliIO, out: string): Promise<number> {
  for (const o of ['queue', 'keep-top-k', 'keep-ratio', 'threshold', 'pool', 'engine', 'shard-docs', 'keep-shards']) {
    if (args.has(o)) throw new UsageError(`--${o}: not with --queries (queries are centred and summed, never selected)`);
  }
  const c = await loadCompressor('policy', args.str('policy')!);
  const queries = loadSetFromArgs(args, { file: 'docs', offsets: 'doc-offsets', ids: 'doc-ids' })!;
  if (queries.dim !== c.dim) throw new UsageError(`--policy: the policy takes ${c.dim}-d vectors but --docs are ${queries.dim}-d`);
  const n = queries.offsets.length - 1;
  const dim = queries.dim;
  const { queriesMetadata } = await import('../policy/open');
  writeOneEach(await import('../io'), out, n, dim, c.encodeQueries(queries), queries.ids, queriesMetadata(args.str('policy')!));
  io.stdout.write(`${out}: ${n} queries x ${dim}, each centred as the policy's documents are, summed and L2-normalised\n`);
  return 0;
}

/** --queue: the coordinator (src/queue/compress.ts). */
async function compressOnQueue(args: Args, io: CliIO, url: string,
  a: { docsFile: string; offFile?: string; idsFile?: string; out: string; sel: import('../policy').CompressOptions; engine?: string }): Promise<number> {
  const log = progress(io, 'compress');
  if (a.engine === 'tfjs') throw new UsageError('--engine: the queue workers run the native engine; drop --engine tfjs or --queue');
  if (args.flag('no-stream')) throw new UsageError('--no-stream: the queue workers read their document ranges from the file; drop --no-stream or --queue');
  const shardDocs = args.int('shard-docs', { min: 1, default: 4096 })!;
  const policy = args.dir('policy', true)!;
  await checkQueueUrl(url);
  const { compressOnQueue: run } = await import('../queue/compress');
  const { select, threshold, topK, ratio, pool } = a.sel;
  // unset options are undefined, which the job's JSON and the manifest's fingerprint leave out
  const options = { select, threshold, topK, ratio, pool };
  let r: Awaited<ReturnType<typeof run>>;
  try {
    r = await run({
      url, policy, options, out: a.out, shardDocs, keepShards: args.flag('keep-shards'), log,
      docs: { file: a.docsFile, ...(a.offFile ? { offsets: a.offFile } : {}), ...(a.idsFile ? { ids: a.idsFile } : {}) },
    });
  } catch (e) {
    throw new CliError(`--queue: ${(e as Error).message}`);
  }
  io.stdout.write(`${a.out}: ${r.count} documents x ${r.dim} (from ${r.total} vectors) in ${r.shards} shards`
    + `${r.skipped > 0 ? ` (${r.skipped} already written)` : ''} on ${url} in ${r.seconds.toFixed(1)} s\n`);
  return 0;
}
