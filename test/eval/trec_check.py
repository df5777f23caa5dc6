#!/usr/bin/env python3
"""An independent re-implementation of trec_eval's ndcg_cut and recall measures (trec_eval 9.x
semantics), used to check that reinpool's evaluate() numbers are what trec_eval would print for the
run files and qrels.txt it writes. Standard library only.

  python3 trec_check.py QRELS RUN [RUN ...]   ->  JSON {run_file_stem: {"ndcg@3": ..., ...}}

trec_eval details reproduced:
  * the rank column is ignored; a query's lines are sorted by score descending, ties broken by
    docno descending (strcmp on bytes);
  * a query counts when it is in both the run and the qrels (no -c);
  * ndcg_cut_k: gain = judged relevance (only > 0 counts), discount log2(rank + 1), ideal from the
    judged relevances sorted descending, 0 when the ideal is 0;
  * recall_k: relevant (relevance >= 1) retrieved in the top k / relevant judged.
"""
import json
import math
import os
import sys

CUTS = (3, 5, 10)
RECALLS = (10, 100)


def read_qrels(path):
    qrels = {}
    with open(path, 'rb') as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise SystemExit(f'{path}: malformed qrels line {line!r}')
            qid, _, docno, rel = parts
            qrels.setdefault(qid, {})[docno] = int(rel)
    return qrels


def read_run(path):
    run = {}
    with open(path, 'rb') as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise SystemExit(f'{path}: malformed run line {line!r}')
            qid, _, docno, _rank, score, _tag = parts
            run.setdefault(qid, []).append((docno, float(score)))
    return run


def trec_sorted(items):
    items = sorted(items, key=lambda x: x[0], reverse=True)  # docno descending (bytes)
    return sorted(items, key=lambda x: x[1], reverse=True)   # stable: score descending


def evaluate(qrels, run):
    per_query = {}
    for qid, items in run.items():
        if qid not in qrels:
            continue
        judged = qrels[qid]
        ranked = [d for d, _ in trec_sorted(items)]
        out = {}
        ideal = sorted((r for r in judged.values() if r > 0), reverse=True)
        for k in CUTS:
            dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if judged.get(d, 0) > 0)
            idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal[:k]))
            out[f'ndcg@{k}'] = dcg / idcg if idcg > 0 else 0.0
        num_rel = sum(1 for r in judged.values() if r >= 1)
        for k in RECALLS:
            found = sum(1 for d in ranked[:k] if judged.get(d, 0) >= 1)
            out[f'recall@{k}'] = found / num_rel if num_rel else 0.0
        per_query[qid.decode()] = out
    n = len(per_query)
    names = [f'ndcg@{k}' for k in CUTS] + [f'recall@{k}' for k in RECALLS]
    means = {m: (sum(q[m] for q in per_query.values()) / n if n else 0.0) for m in names}
    means['queries'] = n
    return means, per_query


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    qrels = read_qrels(argv[1])
    out = {}
    for path in argv[2:]:
        means, _ = evaluate(qrels, read_run(path))
        out[os.path.splitext(os.path.basename(path))[0]] = means
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
