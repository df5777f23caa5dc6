/**
 * The tokenizer behind the reference figures in docs/data.md, kept deliberately simple so that anyone can
 * reproduce them: lowercase the text (String.prototype.toLowerCase), then take every maximal run of
 * ASCII letters and digits [a-z0-9]+ as a token. Everything else separates tokens: punctuation,
 * whitespace, and non-ASCII letters too ("café" -> "caf"; "naïve" -> "na", "ve"). Hyphenated and
 * apostrophe words split ("state-of-the-art" -> 4 tokens, "don't" -> "don", "t").
 * Out-of-vocabulary rule: a token with no GloVe vector is dropped (no UNK vector, no sub-words).
 */
const TOKEN = /[a-z0-9]+/g;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** The in-vocabulary tokens of `text` (those with lookup(token) >= 0), in order. */
export function knownTokens(text: string, lookup: (word: string) => number): string[] {
  return tokenize(text).filter((t) => lookup(t) >= 0);
}

/** Word-vector rows of the in-vocabulary tokens of `text`, in order (OOV dropped). */
export function tokenRows(text: string, lookup: (word: string) => number): Int32Array {
  const toks = tokenize(text);
  const out = new Int32Array(toks.length);
  let n = 0;
  for (const t of toks) {
    const r = lookup(t);
    if (r >= 0) out[n++] = r;
  }
  return out.subarray(0, n);
}
