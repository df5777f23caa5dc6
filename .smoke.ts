import { train, syntheticTask } from './src/train';
import { getKernels } from './src/kernels';
(async () => {
  const task = syntheticTask({ docs: 64 });
  const K = getKernels();
  const all = new Uint8Array(task.docs.offsets[64]).fill(1);
  const keepContent = Uint8Array.from(task.isStopword, (s) => 1 - s);
  for (const [n, m] of [['mean', all], ['oracle', keepContent]] as const) {
    const r = K.inverseRetrievalReward({ docs: task.docs, masks: m, groups: 1, queries: task.queries, queryOwner: task.queryOwner });
    console.log(n, r.reduce((a, b) => a + b, 0) / r.length);
  }
  for (const type of ['mlp', 'transformer'] as const) {
    const res = await train({ ...task, config: { steps: 60, batchDocs: 16, evalEvery: 10, policy: { type, hidden: 32 } }, progress: false });
    console.log(type, res.seconds, res.history.filter((h) => h.evalReward !== undefined).map((h) => `${h.step}:${h.evalReward!.toFixed(3)}/${h.evalKeepRatio!.toFixed(2)}`).join(' '));
    console.log(res.history.filter((_, i) => i % 10 === 0).map((h) => `${h.rewardMean.toFixed(3)} kl=${h.kl.toExponential(1)} g=${h.gradNorm.toFixed(2)}`).join(' | '));
  }
})();
