/**
 * A cheap ablation runner for the hyper-parameters the paper leaves out: group size, learning rate,
 * synthetic queries per document, policy type. Each row is a short run on a SMALL training subset
 * (ablationDefaults below), scored by test NDCG@3 over the full corpus; the output is one Markdown table.
 */
import type { TrainConfig } from '../config';
import { BeirData, loadBeir } from './data';
import { runExperiment } from './run';

export interface AblationRow { factor: string; value: string; config: Partial<TrainConfig>; queriesPerDoc?: number }

export const ablationDefaults: Partial<TrainConfig> = { steps: 40, batchDocs: 16, evalEvery: 0 };

export function defaultAblationGrid(): AblationRow[] {
  return [
    { factor: 'baseline', value: 'defaults', config: {} },
    { factor: 'groupSize', value: '4', config: { groupSize: 4 } },
    { factor: 'groupSize', value: '16', config: { groupSize: 16 } },
    { factor: 'lr', value: '1e-3', config: { lr: 1e-3 } },
    { factor: 'lr', value: '1e-2', config: { lr: 1e-2 } },
    { factor: 'queriesPerDoc', value: '1', config: {}, queriesPerDoc: 1 },
    { factor: 'queriesPerDoc', value: '5', config: {}, queriesPerDoc: 5 },
    { factor: 'policy', value: 'transformer', config: { policy: { type: 'transformer' } } },
  ];
}

export async function runAblation(dir: string, name: string, o: { trainDocs?: number; rows?: AblationRow[]; base?: Partial<TrainConfig>; log?: (s: string) => void } = {}): Promise<string> {
  const cache = new Map<number, BeirData>();
  const lines = [
    `| factor | value | test NDCG@3 ReinPool | mean pooling | keep ratio | train s |`,
    `|---|---|---|---|---|---|`,
  ];
  for (const row of o.rows ?? defaultAblationGrid()) {
    const qpd = row.queriesPerDoc ?? 3;
    if (!cache.has(qpd)) cache.set(qpd, loadBeir(dir, name, { queriesPerDoc: qpd }));
    const base = { ...ablationDefaults, ...(o.base ?? {}) };
    const r = await runExperiment(cache.get(qpd)!, { trainDocs: o.trainDocs ?? 300, config: { ...base, ...row.config, policy: { ...(base.policy ?? {}), ...(row.config.policy ?? {}) } }, progress: false });
    const line = `| ${row.factor} | ${row.value} | ${r.reinpool.ndcg3.toFixed(4)} | ${r.mean.ndcg3.toFixed(4)} | ${r.keepRatio.toFixed(2)} | ${r.trainSeconds.toFixed(0)} |`;
    o.log?.(line);
    lines.push(line);
    r.run.policy.dispose();
  }
  return lines.join('\n');
}
