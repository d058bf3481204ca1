// A rate limit with policy `cluster` is shared by every node through the datastore, whatever
// version each node runs: per Kong window (one epoch second, on Kong's clock) the probe gets at most
// `perSecond` answers 200 across all clusters and nodes together. Requests are placed in windows by
// the time the load balancer started them (clockOriginEpochMs + startMs); one request may straddle
// a window edge (LB clock vs Kong's), so a window fails only above perSecond + 1.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { bump, byCount, n } from "./stats.ts";

const ID = "shared-rate-limit";
const STRADDLE_ALLOWANCE = 1;
const MESSAGE_WINDOWS = 3;

interface Window { ok: number; offered: number; byNode: Record<string, number>; byCluster: Record<string, number>; during: Record<string, number>; firstMs: number }

export interface RateWindow {
  readonly probe: string;
  /** Epoch second of Kong's window. */
  readonly epochSecond: number;
  /** Start of the window in run-clock ms (may be negative before the run's origin). */
  readonly startMs: number;
  readonly ok: number;
  readonly offered: number;
  readonly byNode: Readonly<Record<string, number>>;
  readonly byCluster: Readonly<Record<string, number>>;
  /** Phases/steps in which its 200s started ("Shift step 50%"). */
  readonly during: readonly string[];
}

async function windows(ctx: CheckContext, probe: string, originMs: number): Promise<Map<number, Window>> {
  const out = new Map<number, Window>();
  for await (const r of ctx.requests()) {
    if (r.probe !== probe || r.node === null) continue;
    const second = Math.floor((originMs + r.startMs) / 1000);
    const w = out.get(second) ?? { ok: 0, offered: 0, byNode: {}, byCluster: {}, during: {}, firstMs: r.startMs };
    out.set(second, w);
    w.offered += 1;
    if (r.status !== 200) continue;
    w.ok += 1;
    bump(w.byNode, r.node);
    bump(w.byCluster, r.cluster);
    bump(w.during, ctx.timeline.label(r.startMs));
  }
  return out;
}

const utc = (epochSecond: number): string => `${new Date(epochSecond * 1000).toISOString().slice(11, 19)} UTC`;
const list = (c: Readonly<Record<string, number>>): string => byCount(c).map(([k, v]) => `${k} ${n(v)}`).join(", ");

/** "10 answers 200 in second 14:51:03 UTC (t=25.0 s, during Shift step 50%) from blue-1 3, green-1 7; blue 3, green 7". */
export const describeWindow = (w: RateWindow): string =>
  `${n(w.ok)} answers 200 in second ${utc(w.epochSecond)} (t=${(w.startMs / 1000).toFixed(1)} s, during ${w.during.join(" and ")}) from ${list(w.byNode)}; ${list(w.byCluster)}`;

interface ProbeResult { readonly probe: string; readonly perSecond: number; readonly windows: number; readonly maxOk: number; readonly maxOffered: number; readonly over: readonly RateWindow[] }

async function judgeProbe(ctx: CheckContext, probe: string, perSecond: number, originMs: number): Promise<ProbeResult> {
  const all = await windows(ctx, probe, originMs);
  const over: RateWindow[] = [];
  let maxOk = 0;
  let maxOffered = 0;
  for (const [second, w] of [...all].sort((a, b) => a[0] - b[0])) {
    maxOk = Math.max(maxOk, w.ok);
    maxOffered = Math.max(maxOffered, w.offered);
    if (w.ok <= perSecond + STRADDLE_ALLOWANCE) continue;
    over.push({ probe, epochSecond: second, startMs: second * 1000 - originMs, ok: w.ok, offered: w.offered, byNode: w.byNode, byCluster: w.byCluster, during: Object.keys(w.during) });
  }
  return { probe, perSecond, windows: all.size, maxOk, maxOffered, over };
}

export const sharedRateLimit: Check = {
  id: ID,
  description: "a rate limit shared through the datastore holds across both clusters: at most the limit of 200s per Kong second",
  async check(ctx): Promise<CheckResult> {
    const limits = ctx.expectations.rateLimits ?? [];
    const originMs = ctx.expectations.clockOriginEpochMs;
    if (limits.length === 0) return { id: ID, status: "unknown", message: "no rate limits in expectations.json: nothing to check", evidence: [] };
    if (originMs === undefined) return { id: ID, status: "unknown", message: "expectations.json has no clockOriginEpochMs: requests cannot be placed in Kong's per-second windows", evidence: [] };
    const results: ProbeResult[] = [];
    for (const l of limits) results.push(await judgeProbe(ctx, l.probe, l.perSecond, originMs));
    const data = { straddleAllowance: STRADDLE_ALLOWANCE, probes: results };
    const evidence = results.map((r) => `probe ${r.probe}, limit ${r.perSecond}/s: ${n(r.windows)} windows, at most ${n(r.maxOk)} answers 200 and ${n(r.maxOffered)} requests in one second; ${n(r.over.length)} windows over the limit`);
    const over = results.flatMap((r) => r.over.map((w) => ({ r, w })));
    if (over.length > 0) {
      const byProbe = results.filter((r) => r.over.length > 0).map((r) => `probe ${r.probe} (limit ${r.perSecond}/s, ${r.perSecond + STRADDLE_ALLOWANCE} allowed with a request straddling the edge) got more in ${n(r.over.length)} of ${n(r.windows)} seconds`);
      const shown = over.slice(0, MESSAGE_WINDOWS).map(({ w }) => describeWindow(w));
      const more = over.length > MESSAGE_WINDOWS ? `; and ${n(over.length - MESSAGE_WINDOWS)} more windows` : "";
      return {
        id: ID, status: "fail",
        message: `shared rate limit exceeded: ${byProbe.join("; ")}: ${shown.join("; ")}${more}`,
        evidence: [...evidence, ...over.map(({ w }) => `${w.probe}: ${describeWindow(w)}`), "see requests.jsonl"], data,
      };
    }
    const silent = results.filter((r) => r.maxOk === 0);
    if (silent.length > 0) return { id: ID, status: "unknown", message: `no answer 200 for ${silent.map((r) => `probe ${r.probe}`).join(", ")} in requests.jsonl: the limit was never exercised`, evidence, data };
    const idle = results.filter((r) => r.maxOffered <= r.perSecond + STRADDLE_ALLOWANCE);
    if (idle.length > 0) {
      return { id: ID, status: "unknown", message: `the load never sent more than the limit (+${STRADDLE_ALLOWANCE}) in one second for ${idle.map((r) => `probe ${r.probe} (at most ${n(r.maxOffered)}, limit ${r.perSecond}/s)`).join(", ")}, so a broken limit could not show`, evidence, data };
    }
    return { id: ID, status: "pass", message: `shared rate limits held in every second: ${results.map((r) => `probe ${r.probe} at most ${n(r.maxOk)} answers 200 per second (limit ${r.perSecond}/s) over ${n(r.windows)} seconds`).join("; ")}`, evidence, data };
  },
};
