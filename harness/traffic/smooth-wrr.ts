// nginx's smooth weighted round-robin (ngx_http_upstream_get_peer): each pick adds every weight to
// its running score, takes the highest score, and subtracts the total from it. Deterministic, and
// the split of any window of consecutive picks is within one pick of the weights.

export class SmoothWeightedRoundRobin<K extends string> {
  private readonly weights = new Map<K, number>();
  private readonly scores = new Map<K, number>();
  private total = 0;

  constructor(weights: Readonly<Record<K, number>>) {
    this.setWeights(weights);
  }

  /** Replaces the weights and restarts the sequence (as nginx does on reconfiguration). */
  setWeights(weights: Readonly<Record<K, number>>): void {
    this.weights.clear();
    this.scores.clear();
    this.total = 0;
    for (const [key, weight] of Object.entries(weights) as [K, number][]) {
      if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`weight of "${key}" must be a finite number >= 0, got ${weight}`);
      this.weights.set(key, weight);
      this.scores.set(key, 0);
      this.total += weight;
    }
  }

  /** The next key, or undefined when every weight is 0. Ties go to the key listed first. */
  next(): K | undefined {
    if (this.total <= 0) return undefined;
    let best: K | undefined;
    let bestScore = -Infinity;
    for (const [key, weight] of this.weights) {
      if (weight === 0) continue;
      const score = (this.scores.get(key) ?? 0) + weight;
      this.scores.set(key, score);
      if (score > bestScore) {
        best = key;
        bestScore = score;
      }
    }
    if (best !== undefined) this.scores.set(best, bestScore - this.total);
    return best;
  }
}
