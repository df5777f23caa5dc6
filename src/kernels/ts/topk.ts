/**
 * A bounded best-k list for one row. Candidates must be offered in increasing index order: an
 * equal score never displaces an earlier entry, which gives the contract's tie rule (lower index
 * first) for free.
 */
export class TopKRow {
  readonly ids: Int32Array;
  readonly scores: Float64Array;
  size = 0;

  constructor(readonly k: number) {
    this.ids = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  reset(): void {
    this.size = 0;
  }

  offer(id: number, score: number): void {
    const { k, ids, scores } = this;
    if (this.size === k && !(score > scores[k - 1])) return;
    let pos = this.size < k ? this.size++ : k - 1;
    while (pos > 0 && score > scores[pos - 1]) {
      ids[pos] = ids[pos - 1];
      scores[pos] = scores[pos - 1];
      pos--;
    }
    ids[pos] = id;
    scores[pos] = score;
  }

  /** Copies the (full) list into row `row` of the output arrays. */
  writeTo(row: number, outIds: Int32Array, outScores: Float32Array): void {
    const base = row * this.k;
    for (let i = 0; i < this.size; i++) {
      outIds[base + i] = this.ids[i];
      outScores[base + i] = this.scores[i];
    }
  }
}
