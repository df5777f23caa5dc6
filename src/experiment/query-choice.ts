/**
 * Held-out training documents, and the per-corpus choice of synthetic-query generator that they make
 * possible without labels (`--train-queries choose`).
 *
 * Where a corpus has titles they train the policy (a title says what its document is about, as a query
 * does). Without titles no generator has won everywhere: on SciFact's development queries (titles
 * withheld) inverse cloze, keywords and lead tie, and on NPL's test queries keywords lost to inverse
 * cloze (docs/training.md). Which one suits a corpus is a property of the corpus, so `choose` decides
 * per corpus from what the corpus shows by itself: one policy per generator (CHOICE_SOURCES), each
 * judged on the held-out documents of the OTHER generators, never its own (whose quirks it learnt), by
 * the share of the gap from keeping every vector to a perfect reward (1) that its selection closes
 * there, the measure the ceilings use. The policy that helps most on kinds of query it never trained
 * on is kept: the real queries are a kind none of the generators is. (A first version averaged the
 * relative gain, policy / keep-all - 1, which a judge whose keep-all reward is near 0 blows up: on NPL,
 * seed 0, lead queries find their documents 4% of the time, so any policy that drops common words
 * "gained" 139-161% there; docs/training.md.)
 * If none gains on average, ReinPool keeps every vector, as the single-generator hold-out check does;
 * a corpus too small to hold documents out (under 50) keeps the first candidate, inverse cloze.
 *
 * The held-out corpus documents are one seeded set shared by every candidate, so no candidate trains
 * on a document that another is judged on.
 */
import type { Kernels } from '../kernels/types';
import { meanOfMlps } from '../policy';
import type { Policy } from '../policy';
import { Rng } from '../random';
import { validatePolicies } from '../train';
import type { TrainResult, Validation } from '../train';
import type { SingleSource, TrainingSet } from './training-set';

/**
 * A seeded tenth of the prompt documents (at most 500) held out from training as validation
 * documents; none when fewer than 50 prompts.
 */
export function holdOut(prompts: Int32Array, seed: number): { train: Int32Array; validation?: Int32Array } {
  if (prompts.length < 50) return { train: prompts };
  const n = Math.min(500, Math.floor(prompts.length / 10));
  const perm = new Rng(seed, 0x7a11d).permutation(prompts.length);
  const pick = new Uint8Array(prompts.length);
  for (let i = 0; i < n; i++) pick[perm[i]] = 1;
  return { train: prompts.filter((_, i) => !pick[i]), validation: prompts.filter((_, i) => pick[i] === 1) };
}

/**
 * holdOut over the corpus documents behind every set's prompts (their union), applied to each set: a
 * prompt is held out when the corpus document it was made from is. A set without a held-out prompt
 * gets an empty validation.
 */
export function sharedHoldOut(sets: TrainingSet[], seed: number): { train: Int32Array; validation: Int32Array }[] {
  const union = new Set<number>();
  for (const s of sets) for (const p of s.prompts) union.add(s.corpusDoc[p]);
  const held = new Set(holdOut(Int32Array.from(union).sort(), seed).validation ?? []);
  return sets.map((s) => ({
    train: s.prompts.filter((p) => !held.has(s.corpusDoc[p])),
    validation: s.prompts.filter((p) => held.has(s.corpusDoc[p])),
  }));
}

/** One generator's training set, its trained policy and its held-out prompts. */
export interface Candidate {
  source: SingleSource;
  training: TrainingSet;
  run: TrainResult;
  validation: Int32Array;
}

export interface CandidateScore {
  source: SingleSource;
  kind: string;
  promptDocs: number;
  syntheticQueries: number;
  trainSeconds: number;
  /** the policy on every candidate's held-out documents (its own included, not counted in gain) */
  judged: ({ by: SingleSource } & Validation)[];
  /** mean over the other candidates' held-out sets of (policyReward - keepAllReward) / (1 - keepAllReward) */
  gain: number;
}

export interface QueryChoice {
  /** index into candidates of the kept policy's generator */
  chosen: number;
  /** true when no candidate's gain is above 0: ReinPool keeps every vector */
  keepAll: boolean;
  /** false when no candidate could be judged (too few documents to hold any out): the first is kept */
  judged: boolean;
  candidates: CandidateScore[];
}

/**
 * Judges every candidate's policy on every candidate's held-out documents (validatePolicies: the
 * judge's queries and reward, the policies' reward settings) and picks the highest gain. A judge
 * whose keep-all reward is already perfect (1) leaves no gap and is skipped.
 */
export function chooseCandidate(candidates: Candidate[], kernels?: Kernels): QueryChoice {
  const byJudge = judgeOn(candidates, candidates.map((c) => c.run.policy), kernels);
  const scores = candidates.map((c, i): CandidateScore => {
    const judged = byJudge.map((j) => ({ by: j.by, ...j.validations[i] }));
    return {
      source: c.source, kind: c.training.kind, promptDocs: c.training.prompts.length, syntheticQueries: c.training.owner.length,
      trainSeconds: c.run.seconds, judged, gain: gapShare(judged.filter((v) => v.by !== c.source)),
    };
  });
  if (scores.every((s) => Number.isNaN(s.gain))) return { chosen: 0, keepAll: false, judged: false, candidates: scores };
  let chosen = scores.findIndex((s) => !Number.isNaN(s.gain));
  scores.forEach((s, i) => { if (s.gain > scores[chosen].gain) chosen = i; });
  return { chosen, keepAll: !(scores[chosen].gain > 0), judged: true, candidates: scores };
}

/** The policies on each candidate's held-out documents (one reward handle per judge; candidates share their reward settings). */
function judgeOn(candidates: Candidate[], policies: Policy[], kernels: Kernels | undefined): { by: SingleSource; validations: Validation[] }[] {
  const config = candidates[0].run.config;
  return candidates.filter((j) => j.validation.length > 0).map((j) => ({
    by: j.source,
    validations: validatePolicies(policies, {
      docs: j.training.docs, queries: j.training.queries, queryOwner: j.training.owner, validationDocs: j.validation, config, kernels,
    }),
  }));
}

/** Mean share of the gap from keep-all to a perfect reward closed; NaN with no judge (a perfect keep-all leaves no gap). */
function gapShare(judged: Validation[]): number {
  const gains = judged.filter((v) => v.keepAllReward < 1).map((v) => (v.policyReward - v.keepAllReward) / (1 - v.keepAllReward));
  return gains.length ? gains.reduce((a, b) => a + b, 0) / gains.length : NaN;
}

export interface QueryEnsemble {
  /** the candidates' one-layer MLPs as one: its keep-logit is the mean of theirs (policy/ensemble.ts) */
  policy: Policy;
  sources: SingleSource[];
  /** the mean policy on every candidate's held-out documents */
  judged: ({ by: SingleSource } & Validation)[];
  /** mean share of the gap closed over all of them (NaN when nothing is held out) */
  gain: number;
  /** true when gain is not above 0: ReinPool keeps every vector */
  keepAll: boolean;
}

/**
 * The mean of the candidates' policies (`--train-queries ensemble`, what `auto` does without titles):
 * on SciFact's development queries with the titles withheld it beat every candidate on every seed
 * (docs/training.md). Judged on every candidate's held-out documents; kept unless it closes no gap
 * there on average (nothing held out: kept).
 */
export function ensembleCandidates(candidates: Candidate[], kernels?: Kernels): QueryEnsemble {
  const policy = meanOfMlps(candidates.map((c) => c.run.policy));
  const judged = judgeOn(candidates, [policy], kernels).map((j) => ({ by: j.by, ...j.validations[0] }));
  const gain = gapShare(judged);
  return { policy, sources: candidates.map((c) => c.source), judged, gain, keepAll: judged.length > 0 && !(gain > 0) };
}

/** Log lines: each candidate's gain on the others' held-out documents, and the choice. */
export function describeChoice(choice: QueryChoice): string[] {
  const lines = choice.candidates.map((s) => `query choice: ${s.source} (${s.syntheticQueries} queries for ${s.promptDocs} documents) gains `
    + `${Number.isNaN(s.gain) ? 'n/a' : `${(100 * s.gain).toFixed(1)}%`} of the gap from keeping every vector to a perfect reward on the others' held-out documents (`
    + s.judged.map((v) => `${v.by}${v.by === s.source ? ' (own)' : ''} ${v.policyReward.toFixed(4)} vs ${v.keepAllReward.toFixed(4)}`).join(', ') + ')');
  const c = choice.candidates[choice.chosen];
  lines.push(!choice.judged ? `query choice: no held-out documents to judge on (too few documents); the first candidate, ${c.source}, is kept`
    : choice.keepAll ? `query choice: no generator's policy gains on the others' queries; ReinPool keeps every vector`
      : `query choice: ${c.source}'s policy is kept`);
  return lines;
}
