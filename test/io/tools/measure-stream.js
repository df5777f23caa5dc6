#!/usr/bin/env node
/*
 * Streaming measurement (docs/data.md). SYNTHETIC data: a corpus of random float32 vectors, written
 * to disk, then read back in chunks by openMultiVectorStream while the peak RSS is recorded.
 *
 *   node test/io/tools/measure-stream.js gen    DIR [GB=3]     # writes DIR/synthetic_vectors.npy + _offsets.npy
 *   /usr/bin/time -v node test/io/tools/measure-stream.js stream DIR [DOCS_PER_CHUNK=1000]
 *   node test/io/tools/measure-stream.js clean  DIR
 *
 * The io module is loaded from $REINPOOL_IO (default: dist/src/io after `npm run build:ts`).
 */
'use strict';
const fs = require('fs');
const path = require('path');

const ioPath = process.env.REINPOOL_IO || path.resolve(__dirname, '../../../dist/src/io');
const [cmd, dir, arg] = process.argv.slice(2);
if (!cmd || !dir) { console.error('usage: measure-stream.js gen|stream|clean DIR [ARG]'); process.exit(2); }
const vecFile = path.join(dir, 'synthetic_vectors.npy');
const offFile = path.join(dir, 'synthetic_offsets.npy');
const DIM = 128;

if (cmd === 'gen') {
  const io = require(ioPath);
  const gb = Number(arg || 3);
  const rows = Math.floor((gb * 1e9) / (DIM * 4));
  // Document lengths uniform in [64, 448] (mean 256, like ColBERT passages), the last one trimmed.
  const lengths = [];
  let left = rows;
  let s = 12345;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  while (left > 0) { const n = Math.min(left, 64 + Math.floor(rnd() * 385)); lengths.push(n); left -= n; }
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((n, i) => { offsets[i + 1] = offsets[i] + n; });
  fs.mkdirSync(dir, { recursive: true });
  io.writeNpy(offFile, offsets, [offsets.length]);
  // The .npy header of a [rows, DIM] f4 array, written by hand so the data can follow in 64 MB blocks.
  const t0 = Date.now();
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${DIM}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const h = Buffer.alloc(total, 0x20);
  h.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  h.writeUInt16LE(total - 10, 8);
  h.write(dict, 10, 'latin1');
  h[total - 1] = 0x0a;
  const fd = fs.openSync(vecFile, 'w');
  fs.writeSync(fd, h);
  const block = new Float32Array(16 << 20);
  let done = 0;
  while (done < rows * DIM) {
    const n = Math.min(block.length, rows * DIM - done);
    for (let i = 0; i < n; i++) block[i] = rnd() - 0.5;
    fs.writeSync(fd, new Uint8Array(block.buffer, 0, n * 4));
    done += n;
  }
  fs.closeSync(fd);
  console.log(JSON.stringify({ file: vecFile, bytes: fs.statSync(vecFile).size, rows, dim: DIM, docs: lengths.length, genMs: Date.now() - t0 }));
} else if (cmd === 'stream') {
  const io = require(ioPath);
  const per = Number(arg || 1000);
  const t0 = Date.now();
  const s = io.openMultiVectorStream({ file: vecFile, offsets: offFile });
  let peak = process.memoryUsage().rss;
  let checksum = 0;
  let docs = 0;
  for (const { set } of s.chunksSync(per)) {
    // touch every vector: mean-pool each document (what compress/encode would do per chunk)
    const n = set.offsets.length - 1;
    for (let d = 0; d < n; d++) {
      let acc = 0;
      for (let i = set.offsets[d] * DIM; i < set.offsets[d + 1] * DIM; i++) acc += set.vectors[i];
      checksum += acc / (set.offsets[d + 1] - set.offsets[d]);
    }
    docs += n;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  s.close();
  const ms = Date.now() - t0;
  const bytes = fs.statSync(vecFile).size;
  console.log(JSON.stringify({ docs, rows: s.total, bytes, docsPerChunk: per, ms, MBps: +(bytes / 1e6 / (ms / 1000)).toFixed(0), peakRssMB: +(peak / 1e6).toFixed(0), checksum }));
} else if (cmd === 'clean') {
  for (const f of [vecFile, offFile]) fs.rmSync(f, { force: true });
} else {
  console.error(`unknown command ${cmd}`);
  process.exit(2);
}
