/**
 * reinpool train: documents + synthetic queries (each owned by one document) -> a policy directory.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Args, CliError, CliIO, CommandSpec, UsageError, progress } from './args';
import { writeJsonAtomic } from '../io/json';
import { TRAIN_OPTIONS, fromOption, loadSetFromArgs, trainConfigFromArgs } from './common';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'train',
  summary: 'Train a ReinPool policy with GRPO on multi-vector documents and synthetic queries (each query owned by the '
    + 'document it was written for; the reward is NDCG@k of the document\'s own queries when its pooled vector searches all '
    + 'of them). Writes OUT/policy (policy.json + weights.safetensors), OUT/checkpoints and OUT/log.jsonl.',
  synopsis: '--docs FILE --synthetic FILE --out DIR [options]',
  options: {
    docs: { type: 'string', value: 'FILE', desc: 'document vectors (as for eval: 2-D + --doc-offsets, padded 3-D, per-document arrays, or an encode file)' },
    'doc-offsets': { type: 'string', value: 'FILE', desc: 'offsets for a 2-D --docs' },
    'doc-ids': { type: 'string', value: 'FILE', desc: 'document ids (needed when owners are given as ids and --docs has none)' },
    synthetic: { type: 'string', value: 'FILE', desc: 'synthetic queries (multi-vector, any layout); from `reinpool encode --synthetic`, ids are owner ids' },
    'synthetic-offsets': { type: 'string', value: 'FILE', desc: 'offsets for a 2-D --synthetic' },
    owners: { type: 'string', value: 'FILE', desc: 'owner per synthetic query: a .txt of document ids, or an integer array of document indices (default: the ids inside --synthetic)' },
    out: { type: 'string', value: 'DIR', desc: 'output directory (policy/, checkpoints/, log.jsonl, train.json)' },
    resume: { type: 'boolean', desc: 'continue from the latest checkpoint in --out' },
    seed: { type: 'string', value: 'N', desc: 'seed of initialisation, batch order and sampling (config.seed)', default: '0' },
    'train-docs': { type: 'string', value: 'N', desc: 'use a seeded sample of N documents as rollout prompts (default: all)' },
    ...TRAIN_OPTIONS,
  },
  details: 'Every option maps onto one field of the TrainConfig (src/train/config.ts); --config FILE gives them all as JSON.',
  examples: [
    'reinpool encode --beir scifact --out docs.safetensors --synthetic ic.safetensors',
    'reinpool train --docs docs.safetensors --synthetic ic.safetensors --out run1 --steps 300',
    'reinpool train --docs docs.safetensors --synthetic ic.safetensors --out run1 --resume',
  ],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'train');
    args.file('docs', true);
    args.file('synthetic', true);
    for (const o of ['doc-offsets', 'doc-ids', 'synthetic-offsets']) args.file(o);
    const ownersFile = args.file('owners');
    const out = path.resolve(args.required('out'));
    if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UsageError(`--out: not a directory: ${args.str('out')}`);
    const resume = args.flag('resume');
    if (resume && !fs.existsSync(path.join(out, 'checkpoints'))) throw new UsageError(`--resume: no checkpoints in ${args.str('out')}`);
    const config = trainConfigFromArgs(args);
    const trainN = args.int('train-docs', { min: 1 });

    const docs = loadSetFromArgs(args, { file: 'docs', offsets: 'doc-offsets', ids: 'doc-ids' })!;
    const syn = loadSetFromArgs(args, { file: 'synthetic', offsets: 'synthetic-offsets' })!;
    if (syn.dim !== docs.dim) throw new UsageError(`--synthetic: dimension ${syn.dim} differs from --docs dimension ${docs.dim}`);
    const nDocs = docs.offsets.length - 1;
    const nQ = syn.offsets.length - 1;
    // owners
    const ioMod = await import('../io');
    let owner: Int32Array;
    const byIds = (ids: string[], where: string): Int32Array => {
      if (!docs.ids) throw new UsageError(`${where}: owners are document ids but --docs has no ids (give --doc-ids)`);
      const index = new Map(docs.ids.map((d, i) => [d, i]));
      return Int32Array.from(ids, (id, i) => {
        const d = index.get(id);
        if (d === undefined) throw new CliError(`${where}: synthetic query ${i} belongs to document '${id}', which is not in --docs`);
        return d;
      });
    };
    if (ownersFile) {
      if (/\.(txt|tsv|ids)$/i.test(ownersFile)) owner = byIds(fromOption('owners', () => ioMod.readIdsFile(ownersFile)), '--owners');
      else {
        const t = fromOption('owners', () => ioMod.readTensorRef(ownersFile).tensor);
        if (Array.isArray(t.data)) owner = byIds(t.data, '--owners');
        else if (t.data instanceof Float32Array) throw new CliError('--owners: expected integer document indices or string ids');
        else owner = Int32Array.from(t.data);
      }
    } else if (syn.ids) {
      owner = byIds(syn.ids, '--synthetic');
    } else {
      throw new UsageError('--owners: required (the --synthetic file carries no owner ids)');
    }
    if (owner.length !== nQ) throw new CliError(`--owners: ${owner.length} owners for ${nQ} synthetic queries`);
    for (let i = 0; i < owner.length; i++) if (owner[i] < 0 || owner[i] >= nDocs) throw new CliError(`--owners: owner ${owner[i]} of query ${i} is outside [0, ${nDocs})`);

    const tr = await import('../train');
    const resolved = tr.resolveTrainConfig(config);
    const queries = { dim: syn.dim, vectors: syn.vectors, offsets: syn.offsets };
    const trainDocs = trainN !== undefined && trainN < nDocs ? tr.sampleTrainDocs(docs, trainN, resolved.seed) : undefined;
    log(`${nDocs} documents, ${nQ} synthetic queries; ${resolved.steps} steps of ${resolved.batchDocs} documents x ${resolved.groupSize} masks${resume ? ' (resuming)' : ''}`);
    const res = await tr.train({
      docs, queries, queryOwner: owner, trainDocs, config, outDir: out, resume,
      progress: !io.quiet && Boolean(process.stderr.isTTY),
      log: tr.stepLogger(log, resolved.steps),
    });
    const summary = {
      steps: res.step, seconds: res.seconds, config: res.config, docs: nDocs, syntheticQueries: nQ,
      last: res.history[res.history.length - 1] ?? null,
    };
    writeJsonAtomic(path.join(out, 'train.json'), summary);
    const total = res.config.steps;
    const done = res.step === total;
    io.stdout.write(`${done ? 'trained' : 'stopped at'} step ${res.step}/${total} in ${res.seconds.toFixed(1)} s`
      + `${summary.last ? `; last reward ${summary.last.rewardMean.toFixed(3)}, keep ${summary.last.keepRatio.toFixed(2)}` : ''}\n`);
    io.stdout.write(`policy: ${path.join(out, 'policy')}\nlog: ${path.join(out, 'log.jsonl')}\n`);
    res.policy.dispose();
    return 0;
  },
};
