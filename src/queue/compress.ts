/**
 * `reinpool compress --queue`: the corpus split into shards of document ranges, compressed by the
 * workers, merged into the same file single-process compress writes (the shard files hold the rows
 * that file holds, written by the same writer; the merge copies them in order and writes with the
 * same metadata). The shards and their manifest live in OUT.shards/ and are removed after the merge
 * unless keepShards.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadMultiVectors, openMultiVectorStream, writeMultiVectors } from '../io';
import { outputMetadata } from '../policy/open';
import type { CallOptions } from '../policy/open';
import { readPolicyFiles } from '../policy/weights';
import { fileStamp, runShards, shardRanges } from './coordinator';
import type { DocsSpec } from './jobs';
import { streamSpec } from './jobs';

export interface QueueCompressOptions {
  url: string;
  docs: DocsSpec;
  policy: string;
  options: CallOptions;
  out: string;
  shardDocs: number;
  keepShards?: boolean;
  log: (msg: string) => void;
}

export const shardDirOf = (out: string): string => `${out}.shards`;

export async function compressOnQueue(o: QueueCompressOptions) {
  const stream = openMultiVectorStream(streamSpec(o.docs));
  const { count, dim, total } = stream;
  stream.close();
  const policyDim = readPolicyFiles(o.policy).config.dim;
  if (policyDim !== dim) throw new Error(`the policy takes ${policyDim}-d vectors but ${o.docs.file} holds ${dim}-d ones`);
  const dir = shardDirOf(o.out);
  const fingerprint = {
    kind: 'compress',
    docs: fileStamp(o.docs.file),
    offsets: o.docs.offsets ? fileStamp(o.docs.offsets) : null,
    ids: o.docs.ids ? fileStamp(o.docs.ids) : null,
    policy: fileStamp(path.join(o.policy, 'weights.safetensors')),
    options: o.options,
    count,
    shardDocs: o.shardDocs,
  };
  const run = await runShards({
    url: o.url, dir, fingerprint, log: o.log,
    ranges: shardRanges(count, o.shardDocs),
    fileName: (i) => `shard-${String(i).padStart(5, '0')}.safetensors`,
    job: (shard, first, last, out, journal) => ({ kind: 'compress', docs: o.docs, first, last, shard, out, journal, policy: o.policy, options: o.options }),
  });
  const vectors = new Float32Array(count * dim);
  let ids: string[] | undefined;
  for (const s of run.manifest.shards) {
    const part = loadMultiVectors({ file: path.join(dir, s.file) });
    if (part.offsets.length - 1 !== s.last - s.first || part.dim !== dim) {
      throw new Error(`${path.join(dir, s.file)}: holds ${part.offsets.length - 1} x ${part.dim}, expected ${s.last - s.first} x ${dim}`);
    }
    vectors.set(part.vectors, s.first * dim);
    if (part.ids) (ids ??= []).push(...part.ids);
  }
  const offsets = Int32Array.from({ length: count + 1 }, (_, i) => i);
  writeMultiVectors(o.out, { dim, vectors, offsets, ...(ids ? { ids } : {}) }, { metadata: outputMetadata(o.policy) });
  if (!o.keepShards) fs.rmSync(dir, { recursive: true, force: true });
  return { count, dim, total, shards: run.manifest.shards.length, skipped: run.skipped, seconds: run.seconds };
}
