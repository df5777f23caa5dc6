/**
 * Sentence splitting for the inverse-cloze generator. A boundary is sentence punctuation [.!?]
 * (optionally followed by closing quotes/brackets) followed by whitespace and then an uppercase letter,
 * a digit or an opening quote/bracket. Decimals ("3.5") never split (no whitespace); abbreviations
 * before a capital ("et al. Smith") do, which costs little for query generation.
 */
const BOUNDARY = /(?<=[.!?]["'\u201d)\]]*)\s+(?=[A-Z0-9"'\u201c([])/;

export function splitSentences(text: string): string[] {
  return text.split(BOUNDARY).map((s) => s.trim()).filter((s) => s.length > 0);
}
