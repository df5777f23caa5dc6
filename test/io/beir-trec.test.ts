import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  beirDocText, formatFloat32, readBeirCorpus, readBeirQrels, readBeirQueries,
  readTrecQrels, readTrecRun, writeTrecQrels, writeTrecRun,
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

test('TREC run: ranks from 1, order kept, float32 scores round-trip exactly; qrels round trip', () => {
  const scores = [0.1, 0.1, 3.4028234663852886e38, -1.5e-7, -2].map(Math.fround);
  const run = [
    { qid: 'q1', docid: '3', score: scores[0] }, { qid: 'q1', docid: 'd1', score: scores[1] },
    { qid: 'q2', docid: 'd2', score: scores[2] }, { qid: 'q2', docid: '3', score: scores[3] }, { qid: 'q2', docid: 'd1', score: scores[4] },
  ];
  const f = path.join(dir, 'run.txt');
  writeTrecRun(f, run, 'mytag');
  const lines = fs.readFileSync(f, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('q1 Q0 3 1 0.1 mytag');
  expect(lines[1]).toBe('q1 Q0 d1 2 0.1 mytag');
  expect(lines[2]).toBe('q2 Q0 d2 1 3.4028235e+38 mytag');
  const back = readTrecRun(f);
  back.forEach((e, i) => expect(Math.fround(e.score)).toBe(scores[i]));
  expect(back.map((e) => [e.qid, e.docid, e.rank])).toEqual([['q1', '3', 1], ['q1', 'd1', 2], ['q2', 'd2', 1], ['q2', '3', 2], ['q2', 'd1', 3]]);
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
