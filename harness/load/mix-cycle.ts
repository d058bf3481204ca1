// Weighted probes turned into the cycle of requests the load generator repeats. Two properties
// matter more than exact proportions:
// - The cycle length is odd and not a multiple of 5. The load balancer spreads requests between
//   clusters by smooth weighted round-robin, whose pattern repeats every 100 / gcd(weight, 100)
//   requests (2 at 50%, 4 at 25%, 10 at 10%): a cycle length sharing a factor with 10 would send
//   a given probe to the same few places in that pattern every time, so at 50% a probe could land
//   on one cluster only. A length coprime with 10 walks every probe through every place.
// - Probes are interleaved (smooth weighted round-robin), not sent in bursts of one probe.
// Equal weights give each probe once, in the given order, when their count already has that length.
import { InvalidConfigError } from "../errors.ts";

/** Longest cycle built; longer exact cycles are approximated (each probe keeps at least one slot). */
export const MAX_CYCLE = 1000;
/** Weights are taken to this precision (0.001): finer decimals are rounded. */
const WEIGHT_SCALE = 1000;
/** When a cycle must be lengthened to fix its length, it is first scaled up to this many rounds so one extra slot shifts a share by at most 10%. */
const MIN_ROUNDS_WHEN_ADJUSTED = 10;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const coprimeWith10 = (n: number): boolean => n % 2 !== 0 && n % 5 !== 0;

export interface Cycle {
  /** Indices into the weights given, in sending order; its length is coprime with 10. */
  readonly order: readonly number[];
  /** Slots per index in one cycle. */
  readonly counts: readonly number[];
  /** True when the counts are exactly proportional to the weights. */
  readonly exact: boolean;
}

/** The cycle for weights (each > 0; integers or decimals). */
export function weightedCycle(weights: readonly number[]): Cycle {
  if (weights.length === 0) throw new InvalidConfigError(["a mix needs at least one probe"]);
  const scaled = weights.map((w, i) => {
    const s = Math.round(w * WEIGHT_SCALE);
    if (!Number.isFinite(w) || s <= 0) throw new InvalidConfigError([`weight ${i + 1} must be at least ${1 / WEIGHT_SCALE}, got ${w}`]);
    return s;
  });
  const divisor = scaled.reduce(gcd);
  const reduced = scaled.map((s) => s / divisor);
  const exactLength = reduced.reduce((a, b) => a + b, 0);
  if (exactLength <= MAX_CYCLE && coprimeWith10(exactLength)) {
    return { order: smoothOrder(reduced), counts: reduced, exact: true };
  }
  const length = cycleLength(exactLength, weights.length);
  const counts = apportion(reduced, length);
  return { order: smoothOrder(counts), counts, exact: false };
}

/**
 * The length of an adjusted cycle: the exact one scaled up (up to MIN_ROUNDS_WHEN_ADJUSTED times,
 * within MAX_CYCLE), then moved to the nearest length coprime with 10 (at most 3 slots away).
 * Never shorter than one slot per probe.
 */
function cycleLength(exactLength: number, probes: number): number {
  const ceiling = Math.max(MAX_CYCLE, probes + 3);
  const rounds = Math.max(1, Math.min(MIN_ROUNDS_WHEN_ADJUSTED, Math.floor((ceiling - 3) / exactLength)));
  const wanted = Math.min(ceiling - 3, Math.max(probes, exactLength * rounds));
  let n = wanted;
  while (!coprimeWith10(n)) n++;
  return n;
}

/** Largest-remainder apportionment of `length` slots to weights, every weight keeping one slot at least. */
function apportion(weights: readonly number[], length: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const quotas = weights.map((w) => (w * length) / total);
  const counts = quotas.map((q) => Math.max(1, Math.floor(q)));
  const remainder = (i: number): number => quotas[i]! - Math.floor(quotas[i]!);
  const byRemainder = [...weights.keys()].sort((a, b) => remainder(b) - remainder(a) || a - b);
  let missing = length - counts.reduce((a, b) => a + b, 0);
  for (let j = 0; missing > 0; j = (j + 1) % byRemainder.length, missing--) counts[byRemainder[j]!]!++;
  // Slots given to tiny weights (the one-slot minimum) are taken back from the largest counts.
  while (missing < 0) {
    const largest = counts.reduce((best, c, i) => (c > counts[best]! ? i : best), 0);
    counts[largest]!--;
    missing++;
  }
  return counts;
}

/** Smooth weighted round-robin order (as nginx balances upstreams): interleaved, ties to the lower index. */
function smoothOrder(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const current = counts.map(() => 0);
  const order: number[] = [];
  for (let step = 0; step < total; step++) {
    let pick = 0;
    for (let i = 0; i < counts.length; i++) {
      current[i]! += counts[i]!;
      if (current[i]! > current[pick]!) pick = i;
    }
    current[pick]! -= total;
    order.push(pick);
  }
  return order;
}
