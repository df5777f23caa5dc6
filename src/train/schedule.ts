/**
 * Learning-rate schedule: linear warm-up from lr / warmupSteps to lr over the first warmupSteps
 * steps, then cosine decay to minLrRatio * lr at the last step.
 *   step < W:  lr * (step + 1) / W
 *   else:      lr * (r + (1 - r) * 0.5 * (1 + cos(pi * (step - W) / max(1, S - 1 - W))))
 * step counts from 0; S = total steps.
 */
export function lrAt(step: number, o: { lr: number; warmupSteps: number; steps: number; minLrRatio: number }): number {
  const W = Math.max(0, Math.floor(o.warmupSteps));
  if (step < W) return (o.lr * (step + 1)) / W;
  const span = Math.max(1, o.steps - 1 - W);
  const progress = Math.min(1, Math.max(0, (step - W) / span));
  return o.lr * (o.minLrRatio + (1 - o.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
