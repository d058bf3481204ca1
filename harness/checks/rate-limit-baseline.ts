// How far the old cluster's own `cluster` rate limiting overshoots, measured on the same run before
// `up`, and the overshoot of any second.
//
// Kong's `cluster` policy (kong/plugins/rate-limiting/handler.lua, policies/init.lua) reads the
// counter in the access phase, decides, and increments it later in a timer: after the response up
// to 2.2, before proxying from 2.3; nothing orders one node's read against another request's
// increment. So on a loaded machine two old nodes alone let one or two answers too many through in
// some seconds (real 1.5.1 and 2.0.5 once let 7 of 7 through a 5/s limit). That race is the old
// version's, not the upgrade's: it is what a second served by both versions may show too.
import type { CheckExpectations } from "./check.ts";
import { F, type Op, type RequestLine } from "./records.ts";
import { n } from "./stats.ts";

/** Time after a response for its counter increment to be visible to the next request. */
export const SETTLE_MS = 50;
/** Overshoot tolerated without a baseline: one late increment at the window's edge. */
export const ALLOWANCE = 1;

/** Each 200 of a second, by start, with how many 200s of that second had completed (+ SETTLE_MS) before it started. */
function ranked(oks: readonly RequestLine[]): { r: RequestLine; completedBefore: number }[] {
  const byStart = [...oks].sort((a, b) => a.startMs - b.startMs);
  const ends = oks.map((r) => r.endMs + SETTLE_MS).sort((a, b) => a - b);
  let done = 0;
  return byStart.map((r) => {
    while (done < ends.length && ends[done]! <= r.startMs) done += 1;
    return { r, completedBefore: done };
  });
}

/**
 * A second's overshoot: how many 200s beyond the limit had already completed when one more was
 * let through (0 when every 200 came while fewer than `limit` were counted). A shared, atomic
 * counter gives 0; one late increment gives 1.
 */
export function overshoot(oks: readonly RequestLine[], limit: number): number {
  return Math.max(0, ...ranked(oks).map((x) => x.completedBefore + 1 - limit));
}

/** The first 200 whose overshoot went beyond `allowance`: its rank, node, and how many 200s had completed before it. */
export function firstExcess(oks: readonly RequestLine[], limit: number, allowance: number): { rank: number; node: string; atMs: number; completedBefore: number } | undefined {
  const all = ranked(oks);
  const i = all.findIndex((x) => x.completedBefore + 1 - limit > allowance);
  if (i < 0) return undefined;
  const x = all[i]!;
  return { rank: i + 1, node: x.r.node ?? "(none)", atMs: x.r.startMs, completedBefore: x.completedBefore };
}

/** One second of one probe, as the check collected it. */
export interface SecondOfProbe {
  readonly second: number;
  readonly oks: readonly RequestLine[];
  readonly offered: number;
  readonly clusters: ReadonlySet<string>;
  readonly nodes: ReadonlySet<string>;
}

export interface RateLimitBaseline {
  readonly measured: boolean;
  /** Epoch seconds measured (complete seconds before `up`, answered by the old cluster alone, every old node taking part). */
  readonly seconds: readonly number[];
  readonly maxOvershoot: number;
  /** Overshoot tolerated per judged second: max(ALLOWANCE, maxOvershoot). */
  readonly allowance: number;
  readonly why?: string;
  /** One evidence line stating the baseline. */
  readonly text: string;
}

const none = (why: string): RateLimitBaseline => ({
  measured: false, seconds: [], maxOvershoot: 0, allowance: ALLOWANCE, why,
  text: `no old-cluster baseline: ${why}; overshoot allowed per second: ${ALLOWANCE} (one late increment at the window's edge), nothing more`,
});

export function rateLimitBaseline(history: readonly Op[], e: CheckExpectations, originMs: number, limit: number, seconds: readonly SecondOfProbe[]): RateLimitBaseline {
  const upMs = history.find((op) => op.f === F.migrationsUp && op.type === "invoke")?.timeMs;
  if (upMs === undefined) return none("the run has no `kong migrations up`, so no old version was measured before it");
  const blue = e.nodes.blue;
  const together = Math.min(2, blue.length);
  const measured = seconds.filter((s) => (s.second + 1) * 1000 - originMs <= upMs && s.clusters.size === 1 && s.clusters.has("blue")
    && [...s.nodes].filter((node) => blue.includes(node)).length >= together && s.offered > limit);
  const who = blue.length > 1 ? `${blue.join(" and ")} together` : blue.join("");
  if (measured.length === 0) return none(`no complete second before \`up\` in which ${who || "the old nodes"} answered more than the limit (${limit})`);
  const max = Math.max(...measured.map((s) => overshoot(s.oks, limit)));
  const allowance = Math.max(ALLOWANCE, max);
  return {
    measured: true, seconds: measured.map((s) => s.second), maxOvershoot: max, allowance,
    text: `old-cluster baseline before \`up\`: ${n(measured.length)} seconds answered by ${who} with more than ${limit} requests, overshoot at most ${n(max)} per second there (Kong's \`cluster\` policy reads the counter, then increments it asynchronously, so nodes race); overshoot allowed per judged second: ${n(allowance)}`,
  };
}
