// A rate limit with policy `cluster` is shared by every node through the datastore, whatever
// version each node runs: within one Kong window (an epoch second on Kong's clock) a request may
// be answered 200 only while fewer than `perSecond` answers 200 of that second were counted.
//
// Kong reads the counter before proxying and increments it after the response, so requests in
// flight together may all pass (Kong's own overshoot, not a fault). The check therefore judges
// each 200 against the 200s of its second that had COMPLETED before it started (+ SETTLE_MS for
// the increment to land): if `perSecond` + 1 (one more for the increment race at the edges) had,
// the counters are not shared. Requests are placed by LB time (clockOriginEpochMs + startMs); a
// request whose start and end fall in different seconds cannot be placed and is left out.
//
// Issue 7 (shared state across versions): the counters must give 429 at the same count whether
// one cluster or both answer. So the check also counts the seconds in which nodes of both clusters
// answered the probe and the limit was reached (a 429): when both clusters served it in some
// second but never up to the limit, a broken sharing could not show, and the verdict is unknown.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import type { RequestLine } from "./records.ts";
import { bump, byCount, n } from "./stats.ts";

const ID = "shared-rate-limit";
/** Time after a response for its counter increment to be visible to the next request. */
export const SETTLE_MS = 50;
/** Admissions tolerated beyond the limit (a late increment at the window's edge). */
export const ALLOWANCE = 1;
const MESSAGE_WINDOWS = 3;

export interface RateWindow {
  readonly probe: string;
  /** Epoch second of Kong's window. */
  readonly epochSecond: number;
  /** Start of the window in run-clock ms. */
  readonly startMs: number;
  /** Answers 200 placed in this second, and all requests of the probe started in it. */
  readonly ok: number;
  readonly offered: number;
  readonly byNode: Readonly<Record<string, number>>;
  readonly byCluster: Readonly<Record<string, number>>;
  /** Phases/steps in which its 200s started ("Shift step 25%"). */
  readonly during: readonly string[];
  /** The first 200 admitted although the limit was used up: its rank, node, and how many 200s had completed before it. */
  readonly firstExcess?: { readonly rank: number; readonly node: string; readonly atMs: number; readonly completedBefore: number };
}

interface Acc { oks: RequestLine[]; offered: number; limited: number; clusters: Set<string> }

const secondOf = (originMs: number, t: number): number => Math.floor((originMs + t) / 1000);

async function collect(ctx: CheckContext, probe: string, originMs: number): Promise<{ windows: Map<number, Acc>; unplaced: number }> {
  const windows = new Map<number, Acc>();
  let unplaced = 0;
  for await (const r of ctx.requests()) {
    if (r.probe !== probe || r.node === null) continue;
    const second = secondOf(originMs, r.startMs);
    const acc = windows.get(second) ?? { oks: [], offered: 0, limited: 0, clusters: new Set<string>() };
    windows.set(second, acc);
    acc.offered += 1;
    acc.clusters.add(r.cluster);
    if (r.status === 429) acc.limited += 1;
    if (r.status !== 200) continue;
    if (secondOf(originMs, r.endMs) === second) acc.oks.push(r);
    else unplaced += 1;
  }
  return { windows, unplaced };
}

/** The first 200 that started after `limit` + ALLOWANCE 200s of its second had completed. */
function firstExcess(oks: readonly RequestLine[], limit: number): RateWindow["firstExcess"] {
  const byStart = [...oks].sort((a, b) => a.startMs - b.startMs);
  const ends = oks.map((r) => r.endMs + SETTLE_MS).sort((a, b) => a - b);
  let done = 0;
  for (const [i, r] of byStart.entries()) {
    while (done < ends.length && ends[done]! <= r.startMs) done += 1;
    if (done >= limit + ALLOWANCE) return { rank: i + 1, node: r.node ?? "(none)", atMs: r.startMs, completedBefore: done };
  }
  return undefined;
}

function window(ctx: CheckContext, probe: string, second: number, acc: Acc, originMs: number, limit: number): RateWindow {
  const byNode: Record<string, number> = {};
  const byCluster: Record<string, number> = {};
  const during: Record<string, number> = {};
  for (const r of acc.oks) { bump(byNode, r.node ?? "(none)"); bump(byCluster, r.cluster); bump(during, ctx.timeline.label(r.startMs)); }
  const excess = firstExcess(acc.oks, limit);
  return { probe, epochSecond: second, startMs: second * 1000 - originMs, ok: acc.oks.length, offered: acc.offered, byNode, byCluster, during: Object.keys(during), ...(excess ? { firstExcess: excess } : {}) };
}

const utc = (epochSecond: number): string => `${new Date(epochSecond * 1000).toISOString().slice(11, 19)} UTC`;
const list = (c: Readonly<Record<string, number>>): string => byCount(c).map(([k, v]) => `${k} ${n(v)}`).join(", ");
const ordinal = (k: number): string => `${k}${k % 10 === 1 && k % 100 !== 11 ? "st" : k % 10 === 2 && k % 100 !== 12 ? "nd" : k % 10 === 3 && k % 100 !== 13 ? "rd" : "th"}`;

/** "second 14:51:03 UTC (t=25.0 s, during Shift step 25%): 9 answers 200 from blue-1 5, green-1 4; blue 5, green 4; the 8th (green-1, 700 ms in) came after 6 answers 200 of that second had completed". */
export function describeWindow(w: RateWindow): string {
  const head = `second ${utc(w.epochSecond)} (t=${(w.startMs / 1000).toFixed(1)} s, during ${w.during.join(" and ")}): ${n(w.ok)} answers 200 from ${list(w.byNode)}; ${list(w.byCluster)}`;
  const x = w.firstExcess;
  return x ? `${head}; the ${ordinal(x.rank)} (${x.node}, ${Math.round(x.atMs - w.startMs)} ms in) came after ${n(x.completedBefore)} answers 200 of that second had completed` : head;
}

const bothText = (r: ProbeResult): string => `${n(r.bothClusters)} seconds answered by both clusters at once, ${n(r.bothLimited)} of them up to the limit (429)`;

interface ProbeResult {
  readonly probe: string; readonly perSecond: number; readonly windows: number; readonly maxOk: number; readonly maxOffered: number; readonly unplaced: number; readonly over: readonly RateWindow[];
  /** Seconds in which nodes of both clusters answered the probe, and how many of them reached the limit (a 429). */
  readonly bothClusters: number; readonly bothLimited: number;
}

async function judgeProbe(ctx: CheckContext, probe: string, perSecond: number, originMs: number): Promise<ProbeResult> {
  const { windows, unplaced } = await collect(ctx, probe, originMs);
  const all = [...windows].sort((a, b) => a[0] - b[0]).map(([second, acc]) => window(ctx, probe, second, acc, originMs, perSecond));
  const both = [...windows.values()].filter((acc) => acc.clusters.has("blue") && acc.clusters.has("green"));
  return {
    probe, perSecond, windows: all.length, unplaced, over: all.filter((w) => w.firstExcess !== undefined),
    bothClusters: both.length, bothLimited: both.filter((acc) => acc.limited > 0).length,
    maxOk: Math.max(0, ...all.map((w) => w.ok)), maxOffered: Math.max(0, ...all.map((w) => w.offered)),
  };
}

export const sharedRateLimit: Check = {
  id: ID,
  description: "a rate limit shared through the datastore holds across both clusters: no 200 once a second's limit was used up",
  async check(ctx): Promise<CheckResult> {
    const limits = ctx.expectations.rateLimits ?? [];
    const originMs = ctx.expectations.clockOriginEpochMs;
    if (limits.length === 0) return { id: ID, status: "unknown", message: "no rate limits in expectations.json: nothing to check", evidence: [] };
    if (originMs === undefined) return { id: ID, status: "unknown", message: "expectations.json has no clockOriginEpochMs: requests cannot be placed in Kong's per-second windows", evidence: [] };
    const results: ProbeResult[] = [];
    for (const l of limits) results.push(await judgeProbe(ctx, l.probe, l.perSecond, originMs));
    const data = { settleMs: SETTLE_MS, allowance: ALLOWANCE, probes: results };
    const evidence = results.map((r) => `probe ${r.probe}, limit ${r.perSecond}/s: ${n(r.windows)} seconds, at most ${n(r.maxOk)} answers 200 and ${n(r.maxOffered)} requests in one second, ${n(r.unplaced)} answers 200 across a second's edge left out; ${n(r.over.length)} seconds over the limit; ${bothText(r)}`);
    const over = results.flatMap((r) => r.over);
    if (over.length > 0) {
      const heads = results.filter((r) => r.over.length > 0).map((r) => `probe ${r.probe} (limit ${r.perSecond}/s) was answered 200 after the limit was used up in ${n(r.over.length)} of ${n(r.windows)} seconds`);
      const more = over.length > MESSAGE_WINDOWS ? `; and ${n(over.length - MESSAGE_WINDOWS)} more seconds` : "";
      return {
        id: ID, status: "fail",
        message: `shared rate limit not shared: ${heads.join("; ")}: ${over.slice(0, MESSAGE_WINDOWS).map(describeWindow).join("; ")}${more}`,
        evidence: [...evidence, ...over.map((w) => `${w.probe}: ${describeWindow(w)}`), "see requests.jsonl"], data,
      };
    }
    const silent = results.filter((r) => r.maxOk === 0);
    if (silent.length > 0) return { id: ID, status: "unknown", message: `no answer 200 for ${silent.map((r) => `probe ${r.probe}`).join(", ")} in requests.jsonl: the limit was never exercised`, evidence, data };
    const idle = results.filter((r) => r.maxOffered <= r.perSecond + ALLOWANCE);
    if (idle.length > 0) {
      return { id: ID, status: "unknown", message: `the load never sent more than the limit (+${ALLOWANCE}) in one second for ${idle.map((r) => `probe ${r.probe} (at most ${n(r.maxOffered)}, limit ${r.perSecond}/s)`).join(", ")}, so a broken limit could not show`, evidence, data };
    }
    const unshared = results.filter((r) => r.bothClusters > 0 && r.bothLimited === 0);
    if (unshared.length > 0) {
      return { id: ID, status: "unknown", message: `both clusters answered ${unshared.map((r) => `probe ${r.probe} in ${n(r.bothClusters)} seconds`).join(", ")}, but never up to the limit (no 429 in those seconds), so counters not shared across versions could not show`, evidence, data };
    }
    return { id: ID, status: "pass", message: `shared rate limits held in every second: ${results.map((r) => `probe ${r.probe} at most ${n(r.maxOk)} answers 200 per second (limit ${r.perSecond}/s) over ${n(r.windows)} seconds; ${bothText(r)}`).join("; ")}`, evidence, data };
  },
};
