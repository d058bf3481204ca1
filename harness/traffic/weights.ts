// Live weights of the two clusters, in percent.

export interface Weights {
  /** Percent of requests to blue (old). */
  readonly blue: number;
  /** Percent of requests to green (new). */
  readonly green: number;
}

/** Problems with a weights value; empty when valid. */
export function validateWeights(w: Weights): string[] {
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 100;
  if (ok(w.blue) && ok(w.green) && w.blue + w.green === 100) return [];
  return [`weights must be integer percents that add up to 100, got blue ${w.blue} + green ${w.green}`];
}

/** Weights with `green` percent to green. */
export const toGreen = (green: number): Weights => ({ blue: 100 - green, green });
