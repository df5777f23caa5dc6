/**
 * reinpool: learned single-vector pooling of multi-vector embeddings (ReinPool, arXiv 2601.07125).
 *
 * The root re-exports the kernels and the everyday functions by name, and every layer as a namespace
 * (io, encode, policy, training, evaluation, experiment) for the rest. `reinpool/kernels` is the kernels alone:
 * no npm dependency, for indexing services and machines without node_modules.
 */
export * from './kernels';

export { loadMultiVectors, writeMultiVectors, openMultiVectorStream, readBeirCorpus, readBeirQueries, readBeirQrels,
  writeTrecRun, writeTrecQrels, FileFormatError } from './io';
export { loadWordVectors, encodeTexts, inverseCloze, beirTrainingQueries, reduceQueries, centerSet, meanVector } from './encode';
export { Policy, compress, compressAsync, loadPolicy, savePolicy, initTf, tfBackendInfo } from './policy';
export { openPolicy } from './policy/open';
export { train, DEFAULT_TRAIN_CONFIG } from './train';
export { evaluate, writeReport, METHOD_NAMES } from './eval';
export { runExperiment } from './experiment';
export { Rng } from './random';
export type { RngState } from './random';

export * as io from './io';
export * as encode from './encode';
export * as policy from './policy';
export * as training from './train';
export * as evaluation from './eval';
export * as experiment from './experiment';
