import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  beirDocText, csrToQrels, formatFloat32, qrelsToCsr, readBeirCorpus, readBeirQrels, readBeirQueries,
  readTrecQrels, readTrecRun, runToRanked, topKToRun, writeTrecQrels, writeTrecRun,
} from '../../src/io';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-beir-'));
  fs.mkdirSync(path.join(dir, 'qrels'));
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), [
    '{"_id": "d1", "title": "First", "text": "alpha beta"}',
    '{"_id": "d2", "title": "", "text": "gamma \\u00e9"}',
    '',
    '{"_id": 3, "text": "no title"}',
  ].join('\r\n'));
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), '{"_id": "q1", "text": "alpha?"}\n{"_id": "q2", "text": "gamma"}\n');
  fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\t3\t1\nq9\td1\t1\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('BEIR corpus, queries, qrels (header skipped, CRLF, numeric ids)', () => {
  const c = readBeirCorpus(dir);
  expect(c.map((d) => d.id)).toEqual(['d1', 'd2', '3']);
  expect(beirDocText(c[0])).toBe('First alpha beta');
  expect(beirDocText(c[1])).toBe('gamma é');
  expect(readBeirQueries(dir)).toEqual([{ id: 'q1', text: 'alpha?' }, { id: 'q2', text: 'gamma' }]);
  expect(readBeirQrels(dir, 'test')).toEqual([
    { qid: 'q1', docid: 'd1', rel: 1 }, { qid: 'q2', docid: 'd2', rel: 2 }, { qid: 'q2', docid: '3', rel: 1 }, { qid: 'q9', docid: 'd1', rel: 1 },
  ]);
});

test('qrels -> CSR in the given query order, and back', () => {
  const docIds = ['d1', 'd2', '3'];
  const q = qrelsToCsr(readBeirQrels(dir), ['q2', 'q1', 'q0'], docIds);
  expect(Array.from(q.offsets)).toEqual([0, 2, 3, 3]);
  expect(Array.from(q.docs)).toEqual([1, 2, 0]);
  expect(Array.from(q.gains)).toEqual([2, 1, 1]);
  expect(csrToQrels(q, ['q2', 'q1', 'q0'], docIds)).toEqual([
    { qid: 'q2', docid: 'd2', rel: 2 }, { qid: 'q2', docid: '3', rel: 1 }, { qid: 'q1', docid: 'd1', rel: 1 },
  ]);
  expect(() => qrelsToCsr([{ qid: 'q1', docid: 'zz', rel: 1 }], ['q1'], docIds)).toThrow(/'zz'/);
  expect(qrelsToCsr([{ qid: 'q1', docid: 'zz', rel: 1 }], ['q1'], docIds, { unknownDoc: 'skip' }).docs.length).toBe(0);
});

test('TREC run: ranks from 1, order kept, float32 scores round-trip exactly; qrels round trip', () => {
  const top = { k: 3, ids: Int32Array.of(2, 0, -1, 1, 2, 0), scores: Float32Array.of(0.1, 0.1, 0, 3.4028234663852886e38, -1.5e-7, -2) };
  const run = topKToRun(top, ['q1', 'q2'], ['d1', 'd2', '3']);
  const f = path.join(dir, 'run.txt');
  writeTrecRun(f, run, 'mytag');
  const lines = fs.readFileSync(f, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('q1 Q0 3 1 0.1 mytag');
  expect(lines[1]).toBe('q1 Q0 d1 2 0.1 mytag');
  expect(lines[2]).toBe('q2 Q0 d2 1 3.4028235e+38 mytag');
  const back = readTrecRun(f);
  back.forEach((e, i) => expect(Math.fround(e.score)).toBe(top.scores[[0, 1, 3, 4, 5][i]]));
  expect(Array.from(runToRanked(back, ['q1', 'q2'], ['d1', 'd2', '3'], 3))).toEqual([2, 0, -1, 1, 2, 0]);
  const qf = path.join(dir, 'qrels.txt');
  const entries = [{ qid: 'q1', docid: 'd1', rel: 1 }, { qid: 'q2', docid: '3', rel: 2 }];
  writeTrecQrels(qf, entries);
  expect(fs.readFileSync(qf, 'utf8')).toBe('q1 0 d1 1\nq2 0 3 2\n');
  expect(readTrecQrels(qf)).toEqual(entries);
  expect(() => writeTrecRun(path.join(dir, 'bad.txt'), [{ qid: 'a b', docid: 'd', score: 1 }])).toThrow(/whitespace/);
  expect(fs.existsSync(path.join(dir, 'bad.txt'))).toBe(false);
});

test('formatFloat32 gives the shortest decimal that reads back to the same float32', () => {
  for (const v of [0, 1, -1, 0.1, 1 / 3, 1e-40, 3.4028234663852886e38, Math.PI, 123456.789]) {
    const s = formatFloat32(v);
    expect(Math.fround(Number(s))).toBe(Math.fround(v));
    expect(s.replace(/[-.]|e.*$/g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
  }
});
