// A rate limit with policy `cluster` is shared by every node through the datastore, whatever
// version each node runs: within one Kong window (an epoch second on Kong's clock) a request may
// be answered 200 only while fewer than `perSecond` answers 200 of that second were counted.
//
// Kong reads the counter before proxying and increments it afterwards, asynchronously, so requests
// in flight together may all pass. The check therefore judges each 200 against the 200s of its
// second that had COMPLETED before it started (+ SETTLE_MS for the increment to land): a 200 let
// through after `completed` of them makes the second's overshoot `completed + 1 - perSecond`.
// Requests are placed by LB time (clockOriginEpochMs + startMs); a request whose start and end fall
// in different seconds cannot be placed and is left out.
//
// Real Kong's increment can land later than that (a timer after the response up to 2.2, a timer
// before proxying from 2.3, each with its own database round trip), so two OLD nodes alone already
// overshoot by one or two in some seconds of a loaded machine. That is measured on the same run,
// before `up`: the old cluster's own overshoot per second (rate-limit-baseline.ts). A second
// served by both versions fails only when it overshoots beyond it (at least ALLOWANCE, a late
// increment at the window's edge, when there is no baseline). Seconds served by one version alone
// are that version's own behaviour and are not judged; with no second served by both, a limit not
// shared across versions could not show, and the verdict is unknown.
//
// Issue 7 (shared state across versions): the counters must give 429 at the same count whether
// one cluster or both answer. So the check also counts the seconds in which nodes of both clusters
// answered the probe and the limit was reached (a 429): when both clusters served it in some
// second but never up to the limit, a broken sharing could not show, and the verdict is unknown.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { firstExcess, overshoot, rateLimitBaseline, type RateLimitBaseline } from "./rate-limit-baseline.ts";
import type { RequestLine } from "./records.ts";
import { bump, byCount, n } from "./stats.ts";

export { ALLOWANCE, SETTLE_MS } from "./rate-limit-baseline.ts";

const ID = "shared-rate-limit";
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
  /** 200s beyond the limit that had completed before one was let through (0: none). */
  readonly overshoot: number;
  /** The first 200 admitted although the limit and the allowance were used up: its rank, node, and how many 200s had completed before it. */
  readonly firstExcess?: { readonly rank: number; readonly node: string; readonly atMs: number; readonly completedBefore: number };
}

interface Acc { oks: RequestLine[]; offered: number; limited: number; clusters: Set<string>; nodes: Set<string> }

const secondOf = (originMs: number, t: number): number => Math.floor((originMs + t) / 1000);

async function collect(ctx: CheckContext, probe: string, originMs: number): Promise<{ windows: Map<number, Acc>; unplaced: number }> {
  const windows = new Map<number, Acc>();
  let unplaced = 0;
  for await (const r of ctx.requests()) {
    if (r.probe !== probe || r.node === null) continue;
    const second = secondOf(originMs, r.startMs);
    const acc = windows.get(second) ?? { oks: [], offered: 0, limited: 0, clusters: new Set<string>(), nodes: new Set<string>() };
    windows.set(second, acc);
    acc.offered += 1;
    acc.clusters.add(r.cluster);
    acc.nodes.add(r.node);
    if (r.status === 429) acc.limited += 1;
    if (r.status !== 200) continue;
    if (secondOf(originMs, r.endMs) === second) acc.oks.push(r);
    else unplaced += 1;
  }
  return { windows, unplaced };
}

function window(ctx: CheckContext, probe: string, second: number, acc: Acc, originMs: number, limit: number, allowance: number): RateWindow {
  const byNode: Record<string, number> = {};
  const byCluster: Record<string, number> = {};
  const during: Record<string, number> = {};
  for (const r of acc.oks) { bump(byNode, r.node ?? "(none)"); bump(byCluster, r.cluster); bump(during, ctx.timeline.label(r.startMs)); }
  const excess = firstExcess(acc.oks, limit, allowance);
  return {
    probe, epochSecond: second, startMs: second * 1000 - originMs, ok: acc.oks.length, offered: acc.offered, byNode, byCluster, during: Object.keys(during),
    overshoot: overshoot(acc.oks, limit), ...(excess ? { firstExcess: excess } : {}),
  };
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
  readonly probe: string; readonly perSecond: number; readonly windows: number; readonly maxOk: number; readonly maxOffered: number; readonly unplaced: number;
  readonly baseline: RateLimitBaseline;
  /** Overshoot tolerated per judged second: the old cluster's own before `up`, at least ALLOWANCE. */
  readonly allowance: number;
  /** The seconds judged (those answered by both clusters), and the seconds among them over the allowance. */
  readonly judgedSeconds: number;
  readonly over: readonly RateWindow[];
  /** Seconds served by one cluster alone (never judged) whose overshoot went beyond the allowance. */
  readonly unjudgedOver: number;
  /** Seconds in which nodes of both clusters answered the probe, and how many of them reached the limit (a 429). */
  readonly bothClusters: number; readonly bothLimited: number;
}

async function judgeProbe(ctx: CheckContext, probe: string, perSecond: number, originMs: number): Promise<ProbeResult> {
  const { windows, unplaced } = await collect(ctx, probe, originMs);
  const baseline = rateLimitBaseline(ctx.history, ctx.expectations, originMs, perSecond, [...windows].map(([second, acc]) => ({ second, ...acc })));
  const allowance = baseline.allowance;
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  const all = sorted.map(([second, acc]) => window(ctx, probe, second, acc, originMs, perSecond, allowance));
  const isBoth = (w: RateWindow): boolean => { const c = windows.get(w.epochSecond)!.clusters; return c.has("blue") && c.has("green"); };
  const judged = all.filter(isBoth);
  const bothAcc = [...windows.values()].filter((acc) => acc.clusters.has("blue") && acc.clusters.has("green"));
  return {
    probe, perSecond, windows: all.length, unplaced, baseline, allowance,
    judgedSeconds: judged.length,
    over: judged.filter((w) => w.firstExcess !== undefined),
    unjudgedOver: all.filter((w) => !isBoth(w) && w.firstExcess !== undefined).length,
    bothClusters: bothAcc.length, bothLimited: bothAcc.filter((acc) => acc.limited > 0).length,
    maxOk: Math.max(0, ...all.map((w) => w.ok)), maxOffered: Math.max(0, ...all.map((w) => w.offered)),
  };
}

const judgedText = (r: ProbeResult): string =>
  `judged: the ${n(r.judgedSeconds)} seconds answered by both clusters; seconds answered by one cluster alone are that version's own behaviour and not judged (${n(r.unjudgedOver)} of them overshot beyond the allowance)`;

const heldText = (r: ProbeResult): string =>
  `probe ${r.probe} at most ${n(r.maxOk)} answers 200 per second (limit ${r.perSecond}/s; overshoot allowed ${n(r.allowance)} per second, ${r.baseline.measured ? "the old cluster's own before `up`" : "no old-cluster baseline"}) over ${n(r.windows)} seconds, ${n(r.judgedSeconds)} judged; ${bothText(r)}`;

/** Why a limit's requests could not show a counter split across versions; undefined when they could. */
function whyNotJudged(r: ProbeResult): string | undefined {
  if (r.maxOk === 0) return "no answer 200";
  if (r.maxOffered <= r.perSecond + r.allowance) return `at most ${n(r.maxOffered)} requests in one second, limit ${r.perSecond}/s`;
  if (r.bothClusters === 0) return "no second answered by both clusters";
  if (r.bothLimited === 0) return "no 429 in a second answered by both clusters";
  return undefined;
}

export const sharedRateLimit: Check = {
  id: ID,
  description: "a rate limit shared through the datastore holds across both clusters: in a second served by both, no more 200s once its limit was used up than the old cluster's own race let through before `up`",
  async check(ctx): Promise<CheckResult> {
    const limits = ctx.expectations.rateLimits ?? [];
    const originMs = ctx.expectations.clockOriginEpochMs;
    if (limits.length === 0) return { id: ID, status: "unknown", message: "no rate limits in expectations.json: nothing to check", evidence: [] };
    if (originMs === undefined) return { id: ID, status: "unknown", message: "expectations.json has no clockOriginEpochMs: requests cannot be placed in Kong's per-second windows", evidence: [] };
    const results: ProbeResult[] = [];
    for (const l of limits) results.push(await judgeProbe(ctx, l.probe, l.perSecond, originMs));
    const data = { probes: results.map((r) => ({ ...r, baseline: { ...r.baseline } })) };
    const evidence = results.flatMap((r) => [
      `probe ${r.probe}, limit ${r.perSecond}/s: ${n(r.windows)} seconds, at most ${n(r.maxOk)} answers 200 and ${n(r.maxOffered)} requests in one second, ${n(r.unplaced)} answers 200 across a second's edge left out; ${n(r.over.length)} seconds over the limit; ${bothText(r)}`,
      `probe ${r.probe}: ${r.baseline.text}`,
      `probe ${r.probe}: ${judgedText(r)}`,
    ]);
    const over = results.flatMap((r) => r.over);
    if (over.length > 0) {
      const heads = results.filter((r) => r.over.length > 0).map((r) => `probe ${r.probe} (limit ${r.perSecond}/s) was answered 200 after the limit was used up in ${n(r.over.length)} of ${n(r.judgedSeconds)} seconds`);
      const more = over.length > MESSAGE_WINDOWS ? `; and ${n(over.length - MESSAGE_WINDOWS)} more seconds` : "";
      const beyond = results.filter((r) => r.over.length > 0).map((r) => `overshoot beyond ${n(r.allowance)} per second${r.baseline.measured ? ", the old cluster's own before `up`" : " (no old-cluster baseline)"}`);
      return {
        id: ID, status: "fail",
        message: `shared rate limit not shared: ${heads.join("; ")}: ${over.slice(0, MESSAGE_WINDOWS).map(describeWindow).join("; ")}${more} (${beyond.join("; ")})`,
        evidence: [...evidence, ...over.map((w) => `${w.probe}: ${describeWindow(w)}`), "see requests.jsonl"], data,
      };
    }
    // Several limits (a user's configuration): those the run's load exercised fully are judged, the
    // others are named as not judged; the verdict is unknown only when none could be judged.
    const notJudged = results.map((r) => ({ r, why: whyNotJudged(r) })).filter((x) => x.why !== undefined);
    if (limits.length > 1 && notJudged.length < results.length) {
      const held = results.filter((r) => whyNotJudged(r) === undefined).map(heldText);
      const skipped = notJudged.length ? `; not judged (this run's load did not exercise them across both clusters): ${notJudged.map((x) => `probe ${x.r.probe} (${x.why})`).join(", ")}` : "";
      return { id: ID, status: "pass", message: `shared rate limits held in every judged second: ${held.join("; ")}${skipped}`, evidence, data };
    }
    const silent = results.filter((r) => r.maxOk === 0);
    if (silent.length > 0) return { id: ID, status: "unknown", message: `no answer 200 for ${silent.map((r) => `probe ${r.probe}`).join(", ")} in requests.jsonl: the limit was never exercised`, evidence, data };
    const idle = results.filter((r) => r.maxOffered <= r.perSecond + r.allowance);
    if (idle.length > 0) {
      return { id: ID, status: "unknown", message: `the load never sent more than the limit (+${idle[0]!.allowance}) in one second for ${idle.map((r) => `probe ${r.probe} (at most ${n(r.maxOffered)}, limit ${r.perSecond}/s)`).join(", ")}, so a broken limit could not show`, evidence, data };
    }
    const apart = results.filter((r) => r.bothClusters === 0);
    if (apart.length > 0) {
      return { id: ID, status: "unknown", message: `no second in which both clusters answered ${apart.map((r) => `probe ${r.probe} (${n(r.windows)} seconds, each answered by one cluster alone: that version's own behaviour, not judged)`).join(", ")}, so counters not shared across versions could not show`, evidence, data };
    }
    const unshared = results.filter((r) => r.bothLimited === 0);
    if (unshared.length > 0) {
      return { id: ID, status: "unknown", message: `both clusters answered ${unshared.map((r) => `probe ${r.probe} in ${n(r.bothClusters)} seconds`).join(", ")}, but never up to the limit (no 429 in those seconds), so counters not shared across versions could not show`, evidence, data };
    }
    return { id: ID, status: "pass", message: `shared rate limits held in every judged second: ${results.map(heldText).join("; ")}`, evidence, data };
  },
};
