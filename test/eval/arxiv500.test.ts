/**
 * Real data: mxbai-edge-colbert-v0-17m token vectors (48-d, stored 4-bit and decoded) of 500 arXiv
 * abstracts (../shared/data/colbert-arxiv500, or $REINPOOL_DATA_DIR/colbert-arxiv500), no queries:
 * the self-query fidelity check (src/eval/fidelity.ts). Pins what must hold whatever the numbers:
 * MaxSim reproduces its own reference exactly, a one-vector method does not, and no document ever
 * appears in its own ranking (read back from the TREC run files).
 */
import * as fs from 'fs';
import * as path from 'path';
import { evaluate, selfQueryTask } from '../../src/eval';
import { readNpy } from '../../src/io/npy';
import type { MultiVectorSet } from '../../src/kernels/types';
import { DATA_DIR, rmrf } from './helpers';
import { tmpDir } from '../cli/helpers';

const DIR = path.join(DATA_DIR, 'colbert-arxiv500');
const present = fs.existsSync(path.join(DIR, 'doc_vectors.npy'));
if (!present) {
  console.warn(`arxiv500.test: skipped: ${DIR} is missing (set REINPOOL_DATA_DIR to the folder holding colbert-arxiv500/)`);
}
const maybe = present ? describe : describe.skip;

function loadArxiv500(): MultiVectorSet {
  const dv = readNpy(path.join(DIR, 'doc_vectors.npy'));
  const off = readNpy(path.join(DIR, 'doc_offsets.npy'));
  const ids = fs.readFileSync(path.join(DIR, 'doc_ids.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  return { dim: dv.shape[1], vectors: dv.data as Float32Array, offsets: Int32Array.from(off.data as Int32Array), ids };
}

maybe('colbert-arxiv500: the self-query fidelity check on real ColBERT vectors', () => {
  jest.setTimeout(300_000);
  let runs: string;
  beforeAll(() => { runs = tmpDir('arxiv500'); });
  afterAll(() => rmrf(runs));

  test('MaxSim scores 1, mean pooling and MUVERA strictly between 0 and 1, and no document ranks itself', async () => {
    const docs = loadArxiv500();
    expect(docs.offsets.length - 1).toBe(500);
    expect(docs.dim).toBe(48);
    const t = await selfQueryTask(docs);
    expect(t.qrels).toHaveLength(5000);
    const r = await evaluate({ docs: t.docs, queries: t.queries, qrels: t.qrels, methods: ['maxsim', 'mean', 'muvera-1024'], selfQueries: true, runsDir: runs, depth: 100 });
    expect(r.queries).toBe(500);
    expect(r.methods.maxsim['ndcg@10']).toBe(1);
    expect(r.methods.maxsim['recall@10']).toBe(1);
    for (const m of ['mean', 'muvera-1024']) {
      expect(r.methods[m]['ndcg@10']).toBeGreaterThan(0);
      expect(r.methods[m]['ndcg@10']).toBeLessThan(1);
      expect(r.methods[m]['recall@10']).toBeLessThan(1);
    }
    for (const m of ['maxsim', 'mean', 'muvera-1024']) {
      const lines = fs.readFileSync(path.join(runs, `${m}.run`), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
      expect(lines).toHaveLength(500 * 100);
      expect(lines.filter(([qid, , docid]) => qid === docid)).toEqual([]);
    }
  });
});
