// The propagation bound of a run, from Kong's documented delay and the old version's own lag.
//
// Kong documents that a node shows a change made on another node within db_update_frequency (+
// db_update_propagation); the harness adds a margin for its verifier's polling. On a loaded machine
// real Kong needs more than that, whatever the version: real 2.0.5 and 1.5.1 nodes showed writes
// after 3,020-3,085 ms against a 3,000 ms bound. So the old cluster's own lag is measured on the
// same run, before `up`: writes made through one old node, seen on the other old nodes. What it
// needed beyond the documented delay is added to the bound; a write that takes longer than that is
// a change the upgrade brought, not the machine.
//
// Without that measurement (one old node, no write on the old cluster before `up`, no `up` at all,
// or expectations without the documented delay) the bound stays the documented one.
import type { CheckExpectations } from "./check.ts";
import { F, type Op } from "./records.ts";
import { ms, n } from "./stats.ts";

/** The part of a judged write the baseline needs (admin-writes-propagated's WriteOutcome). */
export interface BaselineWrite {
  readonly type: "ok" | "fail" | "info";
  readonly via?: string;
  readonly invokedMs: number;
  readonly lags: Readonly<Record<string, number>>;
}

export interface PropagationBaseline {
  /** Writes through an old node before `up` that another old node showed, and the (write, node) pairs measured. */
  readonly writes: number;
  readonly pairs: number;
  readonly maxLagMs: number;
  /** The pair with the largest lag: "blue-2 after a write via blue-1". */
  readonly slowest: string;
}

export interface PropagationBound {
  /** The bound every write is judged against. */
  readonly boundMs: number;
  /** expectations.propagationBoundMs: documented delay + the verifier's margin. */
  readonly documentedBoundMs: number;
  readonly documentedDelayMs: number | null;
  /** What the old cluster needed beyond the documented delay before `up` (0 without a baseline). */
  readonly oldExcessMs: number;
  readonly baseline: PropagationBaseline | null;
  /** Why there is no baseline. */
  readonly why?: string;
  /** One evidence line stating the bound and where each part comes from. */
  readonly text: string;
}

/** When `kong migrations up` was first invoked; undefined in a run without one. */
function upStartMs(history: readonly Op[]): number | undefined {
  return history.find((op) => op.f === F.migrationsUp && op.type === "invoke")?.timeMs;
}

function measure(history: readonly Op[], e: CheckExpectations, writes: readonly BaselineWrite[]): { baseline: PropagationBaseline } | { why: string } {
  const upMs = upStartMs(history);
  if (upMs === undefined) return { why: "the run has no `kong migrations up`, so no old version was measured before it" };
  const blue = e.nodes.blue;
  if (blue.length < 2) return { why: `the old cluster has ${blue.length === 1 ? "one node" : "no node"}: no lag between old nodes to measure` };
  let pairs = 0;
  let writesSeen = 0;
  let max = -1;
  let slowest = "";
  for (const w of writes) {
    if (w.type !== "ok" || w.via === undefined || !blue.includes(w.via) || w.invokedMs >= upMs) continue;
    const others = Object.entries(w.lags).filter(([node]) => node !== w.via && blue.includes(node));
    if (others.length === 0) continue;
    writesSeen += 1;
    for (const [node, lag] of others) {
      pairs += 1;
      if (lag > max) { max = lag; slowest = `${node} after a write via ${w.via}`; }
    }
  }
  if (pairs === 0) return { why: "no write made on the old cluster before `up` was seen on another old node" };
  return { baseline: { writes: writesSeen, pairs, maxLagMs: max, slowest } };
}

export function propagationBound(history: readonly Op[], e: CheckExpectations, writes: readonly BaselineWrite[]): PropagationBound {
  const documentedBoundMs = e.propagationBoundMs;
  const delay = e.propagationDelayMs ?? null;
  const measured = measure(history, e, writes);
  const documentedText = delay === null
    ? `${ms(documentedBoundMs)} (Kong's documented delay with the verifier's margin)`
    : `${ms(documentedBoundMs)} (Kong's documented delay ${ms(delay)}: db_update_frequency + db_update_propagation${documentedBoundMs - delay > 0 ? `, + ${ms(documentedBoundMs - delay)} margin for the verifier's polling` : ""})`;
  if ("why" in measured) {
    return { boundMs: documentedBoundMs, documentedBoundMs, documentedDelayMs: delay, oldExcessMs: 0, baseline: null, why: measured.why, text: `bound ${documentedText}; no old-cluster baseline: ${measured.why}` };
  }
  const b = measured.baseline;
  const seen = `the old cluster's own lag before \`up\`: at most ${ms(b.maxLagMs)} (${b.slowest}) over ${n(b.pairs)} (write, node) pairs of ${n(b.writes)} writes`;
  if (delay === null) {
    return { boundMs: documentedBoundMs, documentedBoundMs, documentedDelayMs: null, oldExcessMs: 0, baseline: b, why: "expectations.json does not give Kong's documented delay (propagationDelayMs)", text: `bound ${documentedText}; ${seen}, not added: expectations.json does not give Kong's documented delay (propagationDelayMs)` };
  }
  const excess = Math.max(0, Math.round(b.maxLagMs - delay));
  const boundMs = documentedBoundMs + excess;
  const added = excess > 0 ? `+ ${ms(excess)} the old version itself needed beyond the documented delay` : "+ nothing: the old version stayed within the documented delay";
  return { boundMs, documentedBoundMs, documentedDelayMs: delay, oldExcessMs: excess, baseline: b, text: `bound ${ms(boundMs)} = ${documentedText} ${added} (${seen})` };
}
