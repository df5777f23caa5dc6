/**
 * The contrastive ablation trainer (no RL) on the labelled synthetic task (src/train/synthetic.ts):
 * it must learn to drop the shared "stopword" vectors, which raises the deterministic selection's
 * forward reward above keeping every vector.
 */
import { getKernels } from '../../src/kernels';
import { createReward, greedyReward, syntheticTask, trainContrastive } from '../../src/train';
import { subset } from '../../src/io/ragged';

const task = syntheticTask({ docs: 48, dim: 16, seed: 11 });

test('contrastive training drops stopword vectors and beats keeping every vector on the forward reward', async () => {
  const kernels = getKernels();
  const res = await trainContrastive({ ...task, kernels, progress: false, config: { steps: 150, lr: 3e-2, batchDocs: 12, policy: { hidden: 16 }, seed: 3 } });
  const all = Int32Array.from({ length: 48 }, (_, i) => i);
  const reward = createReward(task.docs, task.queries, task.queryOwner, { kind: 'forward', k: 3, pool: 'mean' }, kernels);
  try {
    const own = greedyReward(res.policy, subset(task.docs, all), all, reward.reward);
    const keepAll = reward.reward(all, new Uint8Array(task.docs.offsets[48]).fill(1), 1).reduce((a, b) => a + b, 0) / 48;
    expect(own.keepRatio).toBeLessThan(0.9);
    expect(own.reward).toBeGreaterThan(keepAll + 0.05);
  } finally {
    reward.dispose();
    res.policy.dispose();
  }
  expect(res.history).toHaveLength(150);
  expect(res.history[149].loss).toBeLessThan(res.history[0].loss);
  // the logged reward is a probability (the softmax's, geometric mean over queries), not a negated loss
  for (const m of res.history) {
    expect(m.rewardMean).toBeGreaterThan(0);
    expect(m.rewardMean).toBeLessThanOrEqual(1);
    expect(m.rewardMean).toBeCloseTo(Math.exp(-m.loss), 12);
  }
});
