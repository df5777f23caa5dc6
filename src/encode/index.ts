/** encode: real text -> multi-vector sets (GloVe token vectors) and synthetic training queries. */
export { knownTokens, tokenize, tokenRows } from './tokenize';
export { splitSentences } from './sentences';
export { loadWordVectors, defaultCacheFile, clearWordVectorMemo, CACHE_NAME } from './wordvectors';
export type { WordVectors, WordVectorOptions } from './wordvectors';
export { readWordCache, writeWordCache, CACHE_VERSION } from './wordcache';
export { parseWinkEmbeddings } from './winkjson';
export { WordTable, hashWord } from './wordtable';
export { encodeText, encodeTexts, createTextEncoder, loadEncoder, ENCODER_NAMES } from './encoder';
export type { EncodedSet, EncodeOptions, EmptyRule, TextEncoder, Encoder, EncoderName, EncoderOptions } from './encoder';
export { reduceQueries, queryMatrix, normalizeRows, meanVector, centerSet } from './vectors';
export type { QueryReduce } from './vectors';
export { loadQueryEmbeddings, inverseCloze, inverseClozeWith, inverseClozeTexts, beirTrainingQueries, beirTrainingQueriesWith, beirTrainingQueryTexts, keywordQueryTexts, leadQueryTexts, documentFrequencies } from './synthetic';
export { spanQueries, SPAN_DEFAULTS } from './spans';
export type { SpanQueries, SpanQueryOptions } from './spans';
export type {
  SyntheticQueries, QueryEmbeddingSpec, InverseClozeOptions, InverseClozeQueries, InverseClozeTexts, BeirTrainingQueries,
} from './synthetic';
