/**
 * The demo corpus (src/demo/email.ts): the parsing rules on hand-written messages, then the real
 * SpamAssassin package: no subject inside its own document, disjoint splits, deterministic for a seed.
 */
import { tokenize } from '../../src/encode/tokenize';
import {
  buildEmailCorpus, containsRun, eligibleEmails, firstWords, loadSpamAssassin, normalizeSubject, splitMessage, takeSubject,
} from '../../src/demo/email';
import type { RawEmail } from '../../src/demo/email';

const body = 'The attached patch fixes the build on sparc machines and was tested on two of them.\n> earlier text\n-- \nJohn';
const message = (id: string, subject: string, text = body, group = 'easy-ham-1'): RawEmail => ({
  id, group, text: `From: a@b.c\nSubject: ${subject}\nTo: list@x.org\n\n${text}`,
});

describe('message parsing', () => {
  test('the Subject header (with its folded continuation) is taken out; other headers stay', () => {
    const { header, body: b } = splitMessage('From: a\nSubject: one\n two\nTo: b\n\nhello\n\nworld');
    expect(b).toBe('hello\n\nworld');
    const t = takeSubject(header);
    expect(t.subject).toBe('one two');
    expect(t.header).toBe('From: a\nTo: b');
    expect(takeSubject('From: a').subject).toBeUndefined();
  });

  test('reply and forward prefixes and list tags come off the front only', () => {
    expect(normalizeSubject('Re: [zzzzteana] RE: Fwd: Nothing like mama used to make')).toBe('Nothing like mama used to make');
    expect(normalizeSubject('Re[2]: SV: AW: [SAtalk] Fw: rule updates')).toBe('rule updates');
    expect(normalizeSubject('Selling wedded bliss (was Re: Ouch...)')).toBe('Selling wedded bliss (was Re: Ouch...)');
  });

  test('runs of tokens and word cuts', () => {
    expect(containsRun(['a', 'b', 'c', 'd'], ['b', 'c'])).toBe(true);
    expect(containsRun(['a', 'b', 'c', 'd'], ['b', 'd'])).toBe(false);
    expect(containsRun(['a'], ['a', 'b'])).toBe(false);
    expect(firstWords('one, two three! four', 3)).toBe('one, two three');
    expect(firstWords('one two', 5)).toBe('one two');
  });

  test('eligibility: one message per subject, none quoting its subject, none without a subject or body', () => {
    const msgs = [
      message('1', 'sparc build fixed'),
      message('2', 'Re: [list] sparc build fixed', 'another reply with enough words to count as a body of its own here'),
      message('3', 'patch fixes the build'), // its words run in the body
      message('4', 'Re: x'), // one word
      message('5', '=?iso-8859-1?Q?caf=E9?= news'),
      message('6', 'tiny body', 'ok thanks'),
      message('7', 'a spam subject', body, 'spam-1'),
      { id: '8', group: 'easy-ham-2', text: `From: a\nTo: b\n\n${body}` },
      message('9', 'Sparc   Build  FIXED!'), // the same subject as 1 once normalised
    ];
    const { emails, counts } = eligibleEmails(msgs, 300);
    expect(emails.map((e) => e.id)).toEqual(['easy-ham-1-1']);
    expect(emails[0].subject).toBe('sparc build fixed');
    expect(emails[0].text).not.toMatch(/subject/i);
    expect(emails[0].text).toContain('From: a@b.c\nTo: list@x.org\n\nThe attached patch');
    expect(counts).toEqual({
      read: 9, ham: 8, noSubject: 1, encodedSubject: 1, shortSubject: 1, shortBody: 1, duplicateSubject: 2, subjectInDocument: 1, eligible: 1,
    });
  });

  test('the body is cut after maxBodyWords words; the headers stay whole', () => {
    const { emails } = eligibleEmails([message('1', 'sparc build fixed')], 10);
    expect(emails[0].text).toBe('From: a@b.c\nTo: list@x.org\n\nThe attached patch fixes the build on sparc machines and');
  });
});

let messages: RawEmail[] | undefined;
try {
  messages = loadSpamAssassin();
} catch (e) {
  console.warn(`email.test: real-corpus checks skipped: ${(e as Error).message}`);
}

(messages ? describe : describe.skip)('the SpamAssassin demo corpus', () => {
  const opts = { docs: 600, queries: 120, seed: 5 };
  const c = buildEmailCorpus(opts, messages);

  test('no subject occurs as a run of words in its own document', () => {
    const text = new Map(c.docs.map((d) => [d.id, d.text]));
    expect(c.queries).toHaveLength(120);
    for (const q of c.queries) {
      const doc = text.get(q.docId)!;
      expect(doc).toBeDefined();
      expect(containsRun(tokenize(doc), tokenize(q.text))).toBe(false);
      expect(doc.toLowerCase()).not.toContain(q.text.toLowerCase());
    }
  });

  test('splits are disjoint: test queries come from held-out messages, one query per message, every message indexed', () => {
    expect(c.docs).toHaveLength(600);
    expect(new Set(c.docs.map((d) => d.id)).size).toBe(600);
    const train = new Set(c.trainIds);
    expect(train.size).toBe(420);
    const ids = new Set(c.docs.map((d) => d.id));
    for (const id of train) expect(ids.has(id)).toBe(true);
    const owners = c.queries.map((q) => q.docId);
    expect(new Set(owners).size).toBe(owners.length);
    for (const o of owners) expect(train.has(o)).toBe(false);
    // a training message keeps its subject as its title; a held-out one has none (its subject may be a test query)
    const subjects = new Set(c.queries.map((q) => q.text));
    for (const d of c.docs) {
      if (train.has(d.id)) expect(tokenize(d.title).length).toBeGreaterThanOrEqual(2);
      else expect(d.title).toBe('');
      expect(subjects.has(d.title)).toBe(false);
    }
    // one message per distinct subject, so no other document was written under a test query's subject
    const keys = c.queries.map((q) => tokenize(q.text).join(' '));
    expect(new Set(keys).size).toBe(keys.length);
    expect(c.counts.duplicateSubject).toBeGreaterThan(1000);
  });

  test('deterministic for a seed; another seed draws another sample', () => {
    expect(buildEmailCorpus(opts, messages)).toEqual(c);
    const other = buildEmailCorpus({ ...opts, seed: 6 }, messages);
    expect(other.trainIds).not.toEqual(c.trainIds);
  });

  test('asking for more than there is names the option', () => {
    expect(() => buildEmailCorpus({ docs: 100000 }, messages)).toThrow(/^docs: 100000 asked for, but only \d+ messages are eligible/);
    expect(() => buildEmailCorpus({ docs: 100, queries: 50 }, messages)).toThrow(/^queries: 50 asked for, but only 30 of the 100/);
  });
});
