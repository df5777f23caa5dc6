/**
 * `reinpool eval --self-queries` and `reinpool experiment --docs --self-queries`: the fidelity check
 * for ColBERT vectors without queries. Usage errors need no data; the runs use the real ColBERTv2
 * vectors of colbert-nanofiqa (35 documents; its queries and qrels are NOT used here).
 */
import * as fs from 'fs';
import * as path from 'path';
import { NANOFIQA, cli, hasNanofiqa, rmrf, tmpDir } from './helpers';

const f = (n: string) => path.join(NANOFIQA, n);
const docsArgs = () => ['--docs', f('doc_vectors.npy'), '--doc-offsets', f('doc_offsets.npy'), '--doc-ids', f('doc_ids.txt')];

describe('--self-queries: usage errors exit 2 and name the argument', () => {
  test('eval and experiment', async () => {
    const cases: Array<[string[], string]> = [
      [['eval', '--docs', __filename, '--self-queries', '--queries', __filename], 'reinpool eval: --queries: not with --self-queries'],
      [['eval', '--docs', __filename, '--self-queries', '--qrels', __filename], 'reinpool eval: --qrels: not with --self-queries'],
      [['eval', '--docs', __filename, '--judged', '5', '--queries', __filename, '--qrels', __filename], 'reinpool eval: --judged: only with --self-queries'],
      [['eval', '--docs', __filename, '--self-queries', '--judged', '0'], 'reinpool eval: --judged: must be >= 1, got 0'],
      [['eval', '--docs', __filename, '--self-queries', '--grading', 'score'], "reinpool eval: --grading: expected one of rank, binary, got 'score'"],
      [['eval', '--self-queries'], 'reinpool eval: --docs: required'],
      [['experiment', '--docs', __filename], 'reinpool experiment: --docs: needs --self-queries'],
      [['experiment', '--self-queries'], 'reinpool experiment: --docs: required'],
      [['experiment', '--docs', __filename, '--self-queries', '--beir', __dirname], 'reinpool experiment: --beir: not with --docs'],
      [['experiment', '--docs', __filename, '--self-queries', '--ceilings'], 'reinpool experiment: --ceilings: not with --self-queries'],
      [['experiment', '--docs', __filename, '--self-queries', '--split', 'dev'], 'reinpool experiment: --split: not with --self-queries'],
      [['experiment', '--docs', __filename, '--self-queries', '--span-tokens', '8,4'], "reinpool experiment: --span-tokens: expected MIN,MAX with 1 <= MIN <= MAX, got '8,4'"],
      [['experiment', '--beir', __dirname, '--span-tokens', '4,8'], 'reinpool experiment: --span-tokens: only with --docs'],
    ];
    for (const [argv, msg] of cases) {
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toContain(msg);
    }
  });
});

(hasNanofiqa ? describe : describe.skip)('--self-queries on colbert-nanofiqa vectors (real ColBERTv2, queries unused)', () => {
  jest.setTimeout(240_000);
  const dir = tmpDir('selfq');
  afterAll(() => rmrf(dir));

  test('eval: maxsim reproduces its reference (1.0000), mean does not; JSON and qrels.txt say what was judged', async () => {
    const json = path.join(dir, 'eval.json');
    const runs = path.join(dir, 'runs');
    const r = await cli('eval', ...docsArgs(), '--self-queries', '--methods', 'maxsim,mean', '--json', json, '--runs', runs, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('35 documents');
    expect(r.stdout).toContain('self-queries: each document ranks the other 34; judgements: its top 10 by full MaxSim, graded by rank (10 ... 1)');
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(j.selfQueries).toBe(true);
    expect(j.queries).toBe(35);
    expect(j.methods.maxsim['ndcg@10']).toBe(1);
    expect(j.methods.mean['ndcg@10']).toBeLessThan(1);
    const qrels = fs.readFileSync(path.join(runs, 'qrels.txt'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
    expect(qrels).toHaveLength(350);
    expect(new Set(qrels.map((q) => q[3]))).toEqual(new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']));
    expect(qrels.filter(([q, , d]) => q === d)).toEqual([]);
    const run = fs.readFileSync(path.join(runs, 'mean.run'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
    expect(run).toHaveLength(35 * 34);
    expect(run.filter(([q, , d]) => q === d)).toEqual([]);
  });

  test('experiment: trains on spans of the vectors and reports the fidelity table over 2 seeds', async () => {
    const json = path.join(dir, 'exp.json');
    const r = await cli('experiment', ...docsArgs(), '--self-queries', '--judged', '5', '--seeds', '2', '--steps', '3', '--eval-every', '0',
      '--checkpoint-every', '0', '--methods', 'maxsim,mean', '--budgets', '1', '--json', json, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NDCG@10\s+R@10/);
    expect(r.stdout).toMatch(/\nmaxsim\s+126\.6\s+16201\.1\s+1\.0000 ± 0\.0000\s+1\.0000 ± 0\.0000/);
    expect(r.stdout).toMatch(/mean pooling: NDCG@10 [+-]/);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(j.split).toBe('self-queries');
    expect(j.selfQueries).toMatchObject({ judged: 5, grading: 'rank', reference: 'maxsim', center: false });
    expect(j.selfQueries.hubness.judgedDocs).toBeGreaterThan(5);
    expect(j.trainQueries).toMatch(/^vector spans \(4-16 vectors, cut out of their documents\)$/);
    expect(j.syntheticQueries).toBeGreaterThan(35);
    expect(j.primaryMetric).toBe('ndcg@10');
    expect(j.summary.reinpoolVsMean.metric).toBe('ndcg@10');
    expect(j.perSeed).toHaveLength(2);
  });
});
