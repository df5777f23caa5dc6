/**
 * The per-corpus choice of query generator (src/experiment/query-choice.ts) on a LABELLED SYNTHETIC
 * task (train/synthetic.ts): held-out documents shared by every candidate, each policy judged on the
 * others' held-out documents only, the highest mean gain kept.
 */
import { chooseCandidate, describeChoice, ensembleCandidates, sharedHoldOut } from '../../src/experiment/query-choice';
import type { Candidate } from '../../src/experiment/query-choice';
import type { TrainingSet } from '../../src/experiment/training-set';
import { syntheticTask, train } from '../../src/train';

const set = (corpusDoc: number[], prompts = corpusDoc.map((_, i) => i)): TrainingSet => ({
  docs: { dim: 1, vectors: new Float32Array(corpusDoc.length), offsets: Int32Array.from({ length: corpusDoc.length + 1 }, (_, i) => i) },
  queries: { dim: 1, vectors: new Float32Array(0), offsets: Int32Array.from([0]) },
  owner: new Int32Array(0), prompts: Int32Array.from(prompts), corpusDoc: Int32Array.from(corpusDoc), sampled: corpusDoc.length, kind: 'test',
});

describe('sharedHoldOut', () => {
  test('a corpus document held out of one set is held out of every set', () => {
    // three sets over overlapping corpus documents, in different orders and with gaps
    const a = set(Array.from({ length: 400 }, (_, i) => i));
    const b = set(Array.from({ length: 300 }, (_, i) => 2 * i).reverse());
    const c = set(Array.from({ length: 200 }, (_, i) => 399 - i), Array.from({ length: 100 }, (_, i) => 2 * i));
    const split = sharedHoldOut([a, b, c], 5);
    const sets = [a, b, c];
    const held = new Set<number>();
    split.forEach((s, k) => { for (const p of s.validation) held.add(sets[k].corpusDoc[p]); });
    // a tenth of the 599 corpus documents behind the prompts, at most 500
    expect(held.size).toBeLessThanOrEqual(59);
    expect(held.size).toBeGreaterThan(30);
    split.forEach((s, k) => {
      const cd = sets[k].corpusDoc;
      for (const p of s.train) expect(held.has(cd[p])).toBe(false);
      for (const p of sets[k].prompts) expect(held.has(cd[p]) ? s.validation.includes(p) : s.train.includes(p)).toBe(true);
      expect(s.train.length + s.validation.length).toBe(sets[k].prompts.length);
    });
    expect(Array.from(sharedHoldOut([a, b, c], 5)[1].validation)).toEqual(Array.from(split[1].validation));
    // under 50 documents nothing is held out
    expect(sharedHoldOut([set([1, 2, 3])], 5)[0].validation.length).toBe(0);
  });
});

describe('chooseCandidate', () => {
  const cfg = { steps: 6, batchDocs: 8, groupSize: 4, evalEvery: 0, checkpointEvery: 0, policy: { type: 'mlp' as const, hidden: 16 } };
  const candidate = async (source: 'ict' | 'lead' | 'keywords', seed: number, steps = cfg.steps): Promise<Candidate> => {
    const t = syntheticTask({ docs: 120, seed });
    const training: TrainingSet = {
      docs: t.docs, queries: { dim: t.queries.dim, vectors: t.queries.data, offsets: Int32Array.from({ length: t.queries.rows + 1 }, (_, i) => i) },
      owner: t.queryOwner, prompts: Int32Array.from({ length: 120 }, (_, i) => i), corpusDoc: Int32Array.from({ length: 120 }, (_, i) => i),
      sampled: 120, kind: source,
    };
    const [split] = sharedHoldOut([training], 3);
    const run = await train({ docs: t.docs, queries: t.queries, queryOwner: t.queryOwner, trainDocs: split.train, validationDocs: split.validation, config: { ...cfg, steps, seed }, log: false, progress: false });
    return { source, training, run, validation: split.validation };
  };

  test('each policy is judged on every held-out set, its gain counts only the others, the highest gain is kept', async () => {
    const cands = [await candidate('ict', 1), await candidate('lead', 2, 1), await candidate('keywords', 3)];
    const choice = chooseCandidate(cands);
    expect(choice.judged).toBe(true);
    expect(choice.candidates.map((c) => c.source)).toEqual(['ict', 'lead', 'keywords']);
    choice.candidates.forEach((c, i) => {
      expect(c.judged.map((v) => v.by)).toEqual(['ict', 'lead', 'keywords']);
      // the own judge is train()'s own hold-out check
      expect(c.judged[i]).toEqual({ by: c.source, ...cands[i].run.validation });
      const others = c.judged.filter((v) => v.by !== c.source);
      const closed = (v: { policyReward: number; keepAllReward: number }) => (v.policyReward - v.keepAllReward) / (1 - v.keepAllReward);
      expect(c.gain).toBeCloseTo((closed(others[0]) + closed(others[1])) / 2, 10);
      // keeping every vector scores the same whoever is judged
      others.forEach((v) => expect(v.keepAllReward).toBe(choice.candidates[(['ict', 'lead', 'keywords'] as const).indexOf(v.by as 'ict')].judged.find((w) => w.by === v.by)!.keepAllReward));
    });
    const best = Math.max(...choice.candidates.map((c) => c.gain));
    expect(choice.candidates[choice.chosen].gain).toBe(best);
    expect(choice.keepAll).toBe(!(best > 0));
    expect(describeChoice(choice).pop()).toMatch(choice.keepAll ? /keeps every vector/ : new RegExp(`${choice.candidates[choice.chosen].source}'s policy is kept`));
    for (const c of cands) c.run.policy.dispose();
  });

  test('ensemble: the mean policy judged on every held-out set, kept unless it closes no gap on average', async () => {
    const cands = [await candidate('ict', 1), await candidate('lead', 2, 1), await candidate('keywords', 3)];
    const e = ensembleCandidates(cands);
    expect(e.sources).toEqual(['ict', 'lead', 'keywords']);
    expect(e.policy.config.hidden).toBe(3 * 16);
    expect(e.judged.map((v) => v.by)).toEqual(['ict', 'lead', 'keywords']);
    const closed = e.judged.map((v) => (v.policyReward - v.keepAllReward) / (1 - v.keepAllReward));
    expect(e.gain).toBeCloseTo(closed.reduce((a, b) => a + b, 0) / 3, 10);
    expect(e.keepAll).toBe(!(e.gain > 0));
    // keep-all scores what it scores for the candidates' own checks
    e.judged.forEach((v, i) => expect(v.keepAllReward).toBe(cands[i].run.validation!.keepAllReward));
    [...cands.map((c) => c.run.policy), e.policy].forEach((p) => p.dispose());
  });

  test('with nothing held out, the first candidate is kept and says why', async () => {
    const c = await candidate('ict', 1, 1);
    const choice = chooseCandidate([{ ...c, validation: new Int32Array(0), run: { ...c.run, validation: undefined } }, { ...c, source: 'lead', validation: new Int32Array(0), run: { ...c.run, validation: undefined } }]);
    expect(choice).toMatchObject({ chosen: 0, keepAll: false, judged: false });
    expect(describeChoice(choice).pop()).toContain('no held-out documents to judge on');
    c.run.policy.dispose();
  });
});
