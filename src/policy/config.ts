/**
 * The policy network's options, their defaults and their validation: no TensorFlow.js here, so the
 * CLI and the train config can check a policy configuration before anything heavy is loaded.
 */
export type PolicyType = 'mlp' | 'transformer';

export interface PolicyConfig {
  /** 'mlp' (per-vector MLP with document-context features, default) or 'transformer' */
  type: PolicyType;
  /** input vector dimension D (taken from the data when omitted in a train config) */
  dim: number;
  /** MLP hidden width / transformer model width. Default 64. */
  hidden: number;
  /** MLP hidden layers / transformer blocks. Default 1. */
  layers: number;
  /** attention heads (transformer only). Default 4. */
  heads: number;
  /** feed-forward width (transformer only). Default 2 * hidden. */
  ffn: number;
  /**
   * Initial keep probability: the head's bias is logit(initKeepProb) and its weights start small
   * (std headInitStd), so every vector starts near this probability. Default 0.7.
   */
  initKeepProb: number;
  /** std of the head's initial weights. Default 0.01. */
  headInitStd: number;
  /** seed of the weight initialisation. Default 0. */
  seed: number;
}

export const DEFAULT_POLICY_CONFIG: Omit<PolicyConfig, 'dim'> = {
  type: 'mlp',
  hidden: 64,
  layers: 1,
  heads: 4,
  ffn: 128,
  initKeepProb: 0.7,
  headInitStd: 0.01,
  seed: 0,
};

/**
 * The policy options with defaults filled in, validated. `dim` may be missing (a train config takes it
 * from the data later) so that a bad option fails before any data is loaded.
 */
export function resolvePolicyOptions(c: Partial<PolicyConfig>): Omit<PolicyConfig, 'dim'> & { dim?: number } {
  const out = { ...DEFAULT_POLICY_CONFIG, ...c };
  if (c.ffn === undefined) out.ffn = 2 * out.hidden;
  if (out.type !== 'mlp' && out.type !== 'transformer') throw new RangeError(`policy.type must be 'mlp' or 'transformer', got '${out.type}'`);
  for (const k of ['hidden', 'layers', 'heads', 'ffn'] as const) {
    if (!Number.isInteger(out[k]) || out[k] < 1) throw new RangeError(`policy.${k} must be a positive integer, got ${out[k]}`);
  }
  if (out.type === 'transformer' && out.hidden % out.heads !== 0) throw new RangeError(`policy.hidden (${out.hidden}) must be a multiple of policy.heads (${out.heads})`);
  if (!(out.initKeepProb > 0 && out.initKeepProb < 1)) throw new RangeError(`policy.initKeepProb must be in (0, 1), got ${out.initKeepProb}`);
  if (out.dim !== undefined && (!Number.isInteger(out.dim) || out.dim < 1)) throw new RangeError(`policy.dim must be a positive integer, got ${out.dim}`);
  return out;
}

export function resolvePolicyConfig(c: Partial<PolicyConfig> & { dim: number }): PolicyConfig {
  if (c.dim === undefined) throw new RangeError('policy.dim must be a positive integer, got undefined');
  return resolvePolicyOptions(c) as PolicyConfig;
}
