// Small numeric helpers shared by checks and the report.

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Quantiles { readonly count: number; readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number }

/** Quantiles of unsorted values (the input is not modified); null when there are none. */
export function quantiles(values: readonly number[]): Quantiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted.at(-1)! };
}

/** 24112 -> "24,112". */
export const n = (value: number): string => value.toLocaleString("en-US");

/** "1 request" / "3 requests". */
export const plural = (count: number, word: string, many = `${word}s`): string => `${n(count)} ${count === 1 ? word : many}`;

export const ms = (value: number): string => `${Math.round(value)} ms`;

/** Increments a counter in a plain record. */
export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Keys by count, highest first (ties by key). */
export const byCount = (counts: Readonly<Record<string, number>>): [string, number][] =>
  Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
