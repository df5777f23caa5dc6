/**
 * reinpool encode: real text -> token vectors in a file the other commands read (.safetensors or
 * .npz: vectors, offsets, ids): GloVe (one unit-norm 100-d vector per in-vocabulary token, the
 * default) or --encoder use (one L2-normalised 512-d USE lite vector per SentencePiece piece).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Args, CliIO, CommandSpec, UsageError, progress } from './args';
import { ENCODER_OPTIONS, encoderFromArgs, fromOption } from './common';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'encode',
  summary: 'Encode text into multi-vector token embeddings (GloVe 6B 100-d, lowercase [a-z0-9]+ tokens, out-of-vocabulary '
    + 'tokens dropped, unit-norm; or --encoder use: contextual USE lite vectors per SentencePiece piece): a BEIR corpus '
    + '(and optionally its test queries and synthetic training queries), or a text file with one document per line.',
  synopsis: '(--beir DIR | --text FILE) --out FILE [options]',
  options: {
    beir: { type: 'string', value: 'DIR', desc: 'BEIR folder: encodes corpus.jsonl (title + text)' },
    text: { type: 'string', value: 'FILE', desc: 'plain text, one document per line (ids: line numbers from 0), or a .jsonl with _id, title and text (as a BEIR corpus.jsonl)' },
    out: { type: 'string', value: 'FILE', desc: 'output: .safetensors (default) or .npz with vectors, offsets and ids' },
    queries: { type: 'string', value: 'FILE', desc: 'with --beir: also encode the queries judged in --split into FILE (ids = query ids)' },
    split: { type: 'string', value: 'NAME', desc: 'qrels split for --queries', default: 'test' },
    synthetic: { type: 'string', value: 'FILE', desc: 'also write synthetic training queries (ids = the owning document ids) for `reinpool train`' },
    'synthetic-kind': { type: 'string', value: 'ict|keywords', desc: "ict: inverse-cloze sentences (the paper's); keywords: 3-8 words of each document drawn by tf x idf over the corpus; both left in their documents", default: 'ict' },
    'queries-per-doc': { type: 'string', value: 'N', desc: 'synthetic queries per document', default: '3' },
    seed: { type: 'string', value: 'N', desc: 'seed of the synthetic queries', default: '0' },
    ...ENCODER_OPTIONS,
  },
  examples: [
    'reinpool encode --beir ../shared/data/scifact --out scifact.safetensors --queries scifact-test.safetensors --synthetic scifact-synthetic.safetensors',
    'reinpool encode --text docs.txt --out docs.npz',
    'reinpool encode --encoder use --beir ../shared/data/npl --out npl-use.safetensors --queries npl-use-test.safetensors',
  ],
};

/** Keyword queries of every document, document frequencies over the same documents. */
async function keywordQueries(enc: typeof import('../encode'), encoder: import('../encode').Encoder, texts: string[], perDoc: number, seed: number) {
  const kw = enc.keywordQueryTexts(encoder.lookup, texts, enc.documentFrequencies(encoder.lookup, texts), { perDoc, seed });
  return { vectors: await encoder.encodeTexts(kw.texts), owner: kw.owner };
}

/** Plain text, one document per line (ids: line numbers from 0). */
function readTextLines(file: string): { ids: string[]; texts: string[] } {
  const texts = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  if (texts.length && texts[texts.length - 1] === '') texts.pop();
  return { ids: texts.map((_, i) => String(i)), texts };
}

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'encode');
    const hasBeir = args.has('beir');
    const hasText = args.has('text');
    if (hasBeir === hasText) throw new UsageError(hasBeir ? '--beir and --text are exclusive' : '--beir or --text: one is required');
    const beir = hasBeir ? args.dir('beir', true)! : undefined;
    const textFile = hasText ? args.file('text', true)! : undefined;
    const out = args.output('out', true)!;
    const queriesOut = args.output('queries');
    const syntheticOut = args.output('synthetic');
    const syntheticKind = args.choice('synthetic-kind', ['ict', 'keywords'] as const, 'ict')!;
    if (args.has('synthetic-kind') && !syntheticOut) throw new UsageError('--synthetic-kind: needs --synthetic FILE');
    if (queriesOut && !beir) throw new UsageError('--queries: needs --beir (the queries come from queries.jsonl and qrels/SPLIT.tsv)');
    const split = args.str('split') ?? 'test';
    if (beir && queriesOut && !fs.existsSync(path.join(beir, 'qrels', `${split}.tsv`))) throw new UsageError(`--split: ${path.join(args.str('beir')!, 'qrels', `${split}.tsv`)} not found`);
    const perDoc = args.int('queries-per-doc', { min: 1, default: 3 })!;
    const seed = args.int('seed', { min: 0, default: 0 })!;
    const { encoder: encName, cacheDir } = await encoderFromArgs(args);
    for (const [o, f] of [['out', out], ['queries', queriesOut], ['synthetic', syntheticOut]] as const) {
      if (f && !/\.(safetensors|npz)$/i.test(f)) throw new UsageError(`--${o}: use a .safetensors or .npz file name, got ${path.basename(f)}`);
    }

    const ioMod = await import('../io');
    const enc = await import('../encode');
    let ids: string[];
    let texts: string[];
    if (beir || /\.jsonl$/i.test(textFile!)) {
      // a BEIR folder, or a .jsonl of {_id, title, text}: the same reader
      const corpus = fromOption(beir ? 'beir' : 'text', () => ioMod.readBeirCorpus(beir ?? textFile!));
      ids = corpus.map((d) => d.id);
      texts = corpus.map(ioMod.beirDocText);
    } else {
      ({ ids, texts } = fromOption('text', () => readTextLines(textFile!)));
    }
    if (texts.length === 0) throw new UsageError(`--${beir ? 'beir' : 'text'}: no documents`);
    log(encName === 'glove' ? 'loading GloVe word vectors' : `loading the ${encName} encoder`);
    const encoder = await enc.loadEncoder(encName, { cacheDir, log });
    const docs = await encoder.encodeTexts(texts, { ids });
    const n = ids.length;
    const meta = { encoder: encoder.id };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    ioMod.writeMultiVectors(out, { dim: docs.dim, vectors: docs.vectors, offsets: docs.offsets, ids }, { metadata: meta });
    const what = encName === 'glove' ? 'no in-vocabulary token' : 'no piece';
    io.stdout.write(`${out}: ${n} documents, ${docs.offsets[n]} vectors (${(docs.offsets[n] / n).toFixed(1)} per document) x ${docs.dim}`
      + `${docs.empty.length ? `; ${docs.empty.length} documents with ${what} became one zero vector` : ''}`
      + `${docs.origin ? `; ${docs.origin.kind === 'cache' ? 'read from the cache' : 'encoded'} in ${(docs.origin.ms / 1000).toFixed(2)} s (cache: ${docs.origin.file ?? 'off'})` : ''}\n`);

    if (queriesOut && beir) {
      const qrels = ioMod.readBeirQrels(beir, split);
      const judged = new Set(qrels.filter((e) => e.rel > 0).map((e) => e.qid));
      const qs = ioMod.readBeirQueries(beir).filter((q) => judged.has(q.id));
      const qv = await encoder.encodeTexts(qs.map((q) => q.text), { ids: qs.map((q) => q.id) });
      ioMod.writeMultiVectors(queriesOut, { dim: qv.dim, vectors: qv.vectors, offsets: qv.offsets, ids: qv.ids }, { metadata: { ...meta, split } });
      io.stdout.write(`${queriesOut}: ${qs.length} queries judged in qrels/${split}.tsv (qrels: ${path.join(beir, 'qrels', `${split}.tsv`)})\n`);
    }
    if (syntheticOut) {
      const { vectors, owner } = syntheticKind === 'ict'
        ? await enc.inverseClozeWith(encoder, texts, { perDoc, seed })
        : await keywordQueries(enc, encoder, texts, perDoc, seed);
      const kind = syntheticKind === 'ict' ? 'inverse-cloze' : 'keywords';
      const ownerIds = Array.from(owner, (d) => ids[d]);
      ioMod.writeMultiVectors(syntheticOut, { dim: vectors.dim, vectors: vectors.vectors, offsets: vectors.offsets, ids: ownerIds },
        { metadata: { ...meta, kind, 'ids-are': 'owner document ids', seed: String(seed) } });
      io.stdout.write(`${syntheticOut}: ${owner.length} ${kind} queries (${perDoc} per document; ids = owning document ids)\n`);
    }
    return 0;
  },
};
