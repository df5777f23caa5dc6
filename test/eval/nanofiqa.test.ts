/**
 * Real data: ColBERTv2 token vectors of a NanoFiQA2018 subset (../shared/data/colbert-nanofiqa, or
 * $REINPOOL_DATA_DIR/colbert-nanofiqa). 35 documents, 5 queries: a smoke test that pins the two
 * figures of issue 5 (maxsim NDCG@10 0.936, normalised mean pooling 0.809) and checks every method's
 * run file against the independent trec_eval re-implementation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { evaluate, EvaluationResult, writeReport } from '../../src/eval';
import { readNpy } from '../../src/io/npy';
import type { MultiVectorSet } from '../../src/kernels/types';
import { DATA_DIR, hasPython, rmrf, trecCheck } from './helpers';

const DIR = path.join(DATA_DIR, 'colbert-nanofiqa');
const present = fs.existsSync(path.join(DIR, 'doc_vectors.npy'));
if (!present) {
  console.warn(`nanofiqa.test: skipped: ${DIR} is missing (set REINPOOL_DATA_DIR to the folder holding colbert-nanofiqa/)`);
}
const maybe = present ? describe : describe.skip;

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function loadNanofiqa(): { docs: MultiVectorSet; queries: MultiVectorSet; qrels: Array<[string, string, number]> } {
  const dv = readNpy(path.join(DIR, 'doc_vectors.npy'));
  const doff = readNpy(path.join(DIR, 'doc_offsets.npy'));
  const qv = readNpy(path.join(DIR, 'query_vectors.npy'));
  const docIds = lines(path.join(DIR, 'doc_ids.txt'));
  const queryIds = lines(path.join(DIR, 'query_ids.txt'));
  const dim = dv.shape[1];
  const docs: MultiVectorSet = { dim, vectors: dv.data as Float32Array, offsets: Int32Array.from(doff.data as Int32Array), ids: docIds };
  const [nq, L] = qv.shape;
  const qoff = new Int32Array(nq + 1);
  for (let i = 0; i < nq; i++) qoff[i + 1] = qoff[i] + L;
  const queries: MultiVectorSet = { dim, vectors: qv.data as Float32Array, offsets: qoff, ids: queryIds };
  const qrels = lines(path.join(DIR, 'qrels.tsv')).slice(1).map((l) => {
    const [q, d, g] = l.split('\t');
    return [q, d, Number(g)] as [string, string, number];
  });
  return { docs, queries, qrels };
}

maybe('colbert-nanofiqa (real ColBERTv2 vectors)', () => {
  let result: EvaluationResult;
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-nanofiqa-'));
  afterAll(() => rmrf(runs));

  beforeAll(async () => {
    const { docs, queries, qrels } = loadNanofiqa();
    result = await evaluate({
      docs, queries, qrels, runsDir: runs,
      methods: ['maxsim', 'mean', 'max', 'tokenpool-1', 'tokenpool-2', 'tokenpool-4', 'tokenpool-8', 'tokenpool-16', 'tokenpool-32', 'muvera'],
    });
    if (process.env.REINPOOL_EVAL_PRINT) {
      console.log(JSON.stringify(result, null, 1));
    }
    if (process.env.REINPOOL_EVAL_REPORT) {
      writeReport(process.env.REINPOOL_EVAL_REPORT, result, { subtitle: 'colbert-nanofiqa (real ColBERTv2 vectors; 35 documents, 5 queries: a smoke test)' });
    }
  });

  test('maxsim NDCG@10 is 0.936 and normalised mean pooling 0.809', () => {
    expect(result.docs).toBe(35);
    expect(result.queries).toBe(5);
    expect(result.methods.maxsim['ndcg@10'].toFixed(3)).toBe('0.936');
    expect(result.methods.mean['ndcg@10'].toFixed(3)).toBe('0.809');
  });

  test('bookkeeping: vectors, floats, compression and recovery', () => {
    expect(result.methods.maxsim.vectorsPerDoc).toBeCloseTo(4430 / 35, 10);
    expect(result.methods.maxsim.floatsPerDoc).toBeCloseTo((4430 / 35) * 128, 6);
    expect(result.compression.maxsim).toBe(1);
    expect(result.recoveryNdcg3.maxsim).toBe(1);
    expect(result.compression.mean).toBeCloseTo(4430 / 35, 6);
    expect(result.methods['tokenpool-1'].vectorsPerDoc).toBe(1);
    expect(result.methods['tokenpool-8'].vectorsPerDoc).toBe(8);
    expect(result.methodInfo.muvera.dim).toBe(20 * 32 * 16);
    // tokenpool-1 (one normalised cluster mean, MaxSim = summed query) is the mean method
    expect(result.methods['tokenpool-1']['ndcg@10']).toBeCloseTo(result.methods.mean['ndcg@10'], 6);
  });

  (hasPython() ? test : test.skip)('the independent trec_eval check reproduces every number from the run files', () => {
    const names = Object.keys(result.methods);
    const check = trecCheck(path.join(runs, 'qrels.txt'), names.map((n) => path.join(runs, `${n}.run`)));
    for (const n of names) {
      expect(check[n].queries).toBe(5);
      for (const m of ['ndcg@3', 'ndcg@5', 'ndcg@10', 'recall@10', 'recall@100'] as const) {
        expect(Math.abs(check[n][m] - result.methods[n][m])).toBeLessThan(1e-4);
      }
    }
  });
});
