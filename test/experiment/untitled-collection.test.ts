import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lengthsLike, nplForm, writeUntitledCollection } from '../../bench/untitled-collection';
import { readBeirCorpus, readBeirQrels } from '../../src/io/beir';

describe("bench/untitled-collection: a titled BEIR collection rewritten in NPL's form", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-untitled-'));
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'qrels'), { recursive: true });
    fs.writeFileSync(path.join(src, 'corpus.jsonl'), [
      { _id: 'a', title: 'Vitamin D and Bone Loss', text: 'We measured 25(OH)D in 1,203 adults. Loss was -3.2%.' },
      { _id: 'b', title: '', text: 'No title here; only text!' },
    ].map((d) => JSON.stringify(d)).join('\n') + '\n');
    fs.writeFileSync(path.join(src, 'queries.jsonl'), JSON.stringify({ _id: 'q1', text: 'Vitamin D prevents bone loss.' }) + '\n');
    fs.writeFileSync(path.join(src, 'qrels', 'train.tsv'), 'query-id\tcorpus-id\tscore\nq1\ta\t1\n');
    fs.writeFileSync(path.join(src, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\tb\t1\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('lower case, letters only, one space between words', () => {
    expect(nplForm('  Vitamin-D (25-OH) in 1,203 Adults.  ')).toBe('vitamin d oh in adults');
  });

  test('title and text joined with no title field; only the asked split judged', () => {
    const out = path.join(dir, 'out');
    expect(writeUntitledCollection(path.join(dir, 'src'), out, 'train')).toBe(2);
    const corpus = readBeirCorpus(out);
    expect(corpus.map((d) => d.title)).toEqual(['', '']);
    expect(corpus[0].text).toBe('vitamin d and bone loss we measured oh d in adults loss was');
    expect(corpus[1].text).toBe('no title here only text');
    expect(readBeirQrels(out, 'train')).toEqual([{ qid: 'q1', docid: 'a', rel: 1 }]);
    // the source's test judgements are not copied, so a run on the collection cannot read them
    expect(fs.existsSync(path.join(out, 'qrels', 'test.tsv'))).toBe(false);
  });

  test('--max-words keeps each document\'s first words; a count below one is refused', () => {
    const out = path.join(dir, 'short');
    writeUntitledCollection(path.join(dir, 'src'), out, 'train', 4);
    expect(readBeirCorpus(out).map((d) => d.text)).toEqual(['vitamin d and bone', 'no title here only']);
    expect(() => writeUntitledCollection(path.join(dir, 'src'), path.join(dir, 'short0'), 'train', 0)).toThrow(/--max-words/);
    expect(() => writeUntitledCollection(path.join(dir, 'src'), path.join(dir, 'shortnan'), 'train', NaN)).toThrow(/--max-words/);
  });

  test('--lengths-like draws each document\'s length from another corpus (seeded), and cuts each to its own', () => {
    const like = path.join(dir, 'like');
    fs.mkdirSync(like, { recursive: true });
    fs.writeFileSync(path.join(like, 'corpus.jsonl'), [
      { _id: 'x', title: '', text: 'one two' },
      { _id: 'y', title: 'Three', text: 'four, five!' },
      { _id: 'z', title: '', text: '123 ...' },
    ].map((d) => JSON.stringify(d)).join('\n') + '\n');
    const drawn = lengthsLike(like, 200, 7);
    // the document without a word is never drawn; both others are
    expect(new Set(drawn)).toEqual(new Set([2, 3]));
    expect(lengthsLike(like, 200, 7)).toEqual(drawn);
    expect(lengthsLike(like, 200, 8)).not.toEqual(drawn);
    const out = path.join(dir, 'like-out');
    writeUntitledCollection(path.join(dir, 'src'), out, 'train', [3, 1]);
    expect(readBeirCorpus(out).map((d) => d.text)).toEqual(['vitamin d and', 'no']);
    expect(() => writeUntitledCollection(path.join(dir, 'src'), path.join(dir, 'like-bad'), 'train', [3])).toThrow(/1 counts for 2 documents/);
    fs.writeFileSync(path.join(like, 'corpus.jsonl'), JSON.stringify({ _id: 'z', title: '', text: '42' }) + '\n');
    expect(() => lengthsLike(like, 5)).toThrow(/--lengths-like: .* has no document with a word/);
  });

  test('a split the source does not have is refused with the file it looked for', () => {
    expect(() => writeUntitledCollection(path.join(dir, 'src'), path.join(dir, 'out2'), 'dev')).toThrow(/--split dev: .*qrels\/dev\.tsv does not exist/);
    expect(fs.existsSync(path.join(dir, 'out2'))).toBe(false);
  });
});
