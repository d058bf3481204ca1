// Each injected fault against the expectation the scenario declared with it (zero-failures, a
// budget, proxy-unaffected), from the history's "fault" ops and the requests. A failed load request
// belongs to a fault whose window (injection to recovery, + its grace) it overlaps and that acts on
// the request's node, or on the datastore itself (no single node); a failure on a node no fault
// touches is outside every window and fails the check, as does a fault whose recovery failed (its
// window closes when the recovery gave up: what fails after is not the fault's to absorb). In a chaos run this check replaces
// zero-failed-requests, so no failure is judged twice: the ones a fault's budget allows are
// allowed here and only here, and every other one fails the run as zero-failed-requests would.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { F, type AdminWriteValue, type ChaosScheduleValue, type FaultExpectation, type FaultValue, type Op, type RequestLine } from "./records.ts";
import { classifyRequest, isLoad } from "./requests.ts";
import { bump, byCount, n, plural } from "./stats.ts";
import { positionLabel } from "./timeline.ts";

const ID = "fault-expectations";

export interface FaultRow {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly nodes: readonly string[];
  readonly at: string;
  readonly params: FaultValue["params"];
  readonly expect: FaultExpectation;
  /** "recovered"; "recovery failed" (info: injected, never undone); "not recovered" (no completion: the run ended first); "not injected" (fail). */
  readonly state: "recovered" | "recovery failed" | "not recovered" | "not injected";
  readonly startMs: number;
  readonly endMs: number | null;
  readonly graceMs: number;
  readonly requests: number;
  readonly failures: number;
  readonly retried: number;
  readonly byKind: Record<string, number>;
  readonly byNode: Record<string, number>;
  readonly adminWrites: { ok: number; fail: number; info: number; open: number };
  readonly outcome: string;
  readonly verdict: "pass" | "fail";
  readonly problem?: string;
}

interface Window { pair: OpPair<FaultValue>; start: number; end: number; grace: number; row: Mutable }
type Mutable = { -readonly [K in keyof FaultRow]: FaultRow[K] };

function windows(history: readonly Op[], runEndMs: number): Window[] {
  return pairOps<FaultValue>(history, F.fault).map((pair) => {
    const v = pair.completion?.value ?? pair.invoke.value;
    const c = pair.completion;
    const state = c?.type === "ok" ? "recovered" : c?.type === "fail" ? "not injected" : c?.type === "info" ? "recovery failed" : "not recovered";
    const grace = v.expect.graceMs ?? 0;
    const start = pair.invoke.timeMs;
    // A fault the run ended before recovering lasts to its end; a failed recovery closes the window
    // (the fault fails the run itself; later failures are judged on their own).
    const end = c ? c.timeMs : runEndMs;
    return {
      pair, start, end, grace,
      row: {
        id: v.id, kind: v.kind, target: v.target, nodes: v.nodes, at: v.at, params: v.params, expect: v.expect, state, startMs: start,
        endMs: c ? c.timeMs : null, graceMs: grace, requests: 0, failures: 0, retried: 0, byKind: {}, byNode: {},
        adminWrites: { ok: 0, fail: 0, info: 0, open: 0 }, outcome: v.outcome ?? c?.error ?? "(no completion recorded)", verdict: "pass",
      },
    };
  });
}

const overlaps = (r: RequestLine, w: Window): boolean => w.row.state !== "not injected" && r.endMs >= w.start && r.startMs <= w.end + w.grace;

function countAdminWrites(history: readonly Op[], ws: readonly Window[]): void {
  for (const p of pairOps<AdminWriteValue>(history, F.adminWrite)) {
    const t = p.invoke.timeMs;
    const w = ws.find((x) => x.row.state !== "not injected" && t >= x.start && t <= x.end + x.grace);
    if (!w) continue;
    const type = p.completion?.type;
    if (type === "ok" || type === "fail" || type === "info") w.row.adminWrites[type] += 1;
    else w.row.adminWrites.open += 1;
  }
}

function judge(w: Window): void {
  const r = w.row;
  const e = r.expect;
  const window = `window ${(w.start / 1000).toFixed(1)}s-${(w.end / 1000).toFixed(1)}s + grace ${w.grace}ms`;
  const where = `${r.kind} ${r.target}${r.nodes.length && !r.target.includes(r.nodes[0]!) ? ` (${r.nodes.join(", ")})` : ""}, ${window}`;
  const failed = (): string => `${plural(r.failures, "failed request")} (${byCount(r.byKind).map(([k, c]) => `${k} ${n(c)}`).join(", ")}; by node: ${byCount(r.byNode).map(([k, c]) => `${k} ${n(c)}`).join(", ")})`;
  let problem: string | undefined;
  if (r.state === "not injected") problem = `fault ${r.id} (${r.kind} ${r.target}, ${r.at}) was scheduled but ${r.outcome}`;
  else if (r.state === "recovery failed") problem = `fault ${r.id} (${where}) was injected but ${r.outcome}: what it broke was never undone`;
  else if (e.kind === "budget" && r.failures > e.maxFailures) problem = `fault ${r.id} (${where}) allowed at most ${plural(e.maxFailures, "failed request")}, got ${failed()}`;
  else if (e.kind !== "budget" && r.failures > 0) problem = `fault ${r.id} (${where}) was declared ${e.kind}, got ${failed()}`;
  else if (e.kind === "proxy-unaffected" && r.adminWrites.open > 0) problem = `fault ${r.id} (${where}): ${plural(r.adminWrites.open, "Admin write")} in the window without a recorded outcome`;
  if (problem) Object.assign(r, { verdict: "fail", problem });
}

const summary = (r: FaultRow): string => {
  const admin = r.expect.kind === "proxy-unaffected" ? `; Admin writes in window: ${r.adminWrites.ok} ok, ${r.adminWrites.fail} failed, ${r.adminWrites.info} unknown` : "";
  return `${r.id} (${r.kind} ${r.target}, ${r.at}, expect ${r.expect.kind}${r.expect.kind === "budget" ? ` <= ${r.expect.maxFailures}` : ""}): ${n(r.failures)} failed of ${n(r.requests)}, ${n(r.retried)} retried${admin}; ${r.outcome}`;
};

/**
 * Of the faults whose windows a failed request overlaps: the one acting on its node, else one acting
 * on the datastore itself (no node listed: every node reads it). None (a node no fault touches, or no
 * node at all while only single-node faults were held: the load balancer should have had another):
 * the failure is outside every fault window.
 */
function ownerOf(r: RequestLine, ws: readonly Window[]): Window | undefined {
  const node = r.node;
  return (node !== null ? ws.find((w) => w.row.nodes.includes(node)) : undefined) ?? ws.find((w) => w.row.nodes.length === 0);
}

async function scan(ctx: CheckContext, ws: readonly Window[]): Promise<{ total: number; outside: Record<string, number>; outsideCount: number; firstOutside: unknown[] }> {
  let total = 0;
  let outsideCount = 0;
  const outside: Record<string, number> = {};
  const firstOutside: unknown[] = [];
  for await (const r of ctx.requests()) {
    if (!isLoad(r)) continue;
    total += 1;
    const inWindows = ws.filter((w) => overlaps(r, w));
    for (const w of inWindows) {
      w.row.requests += 1;
      if (r.attempts > 1) w.row.retried += 1;
    }
    const kind = classifyRequest(r, ctx.expectations.baseline);
    if (kind === "ok" || kind === "unknown-probe") continue;
    const what = kind === "status" ? `status ${r.status}` : kind;
    const owner = ownerOf(r, inWindows);
    if (owner) {
      owner.row.failures += 1;
      bump(owner.row.byKind, what);
      bump(owner.row.byNode, r.node ?? "(none)");
      continue;
    }
    outsideCount += 1;
    bump(outside, `${what}${r.node ? ` on ${r.node}` : ""} during ${positionLabel(ctx.timeline.at(r.startMs))}`);
    if (firstOutside.length < 10) firstOutside.push({ ...r, kind });
  }
  return { total, outside, outsideCount, firstOutside };
}

export const faultExpectations: Check = {
  id: ID,
  description: "each injected fault stays within its declared expectation (zero-failures, budget, proxy-unaffected), and no load request fails outside every fault's window",
  async check(ctx): Promise<CheckResult> {
    const schedule = ctx.history.find((op) => op.f === F.chaosSchedule)?.value as ChaosScheduleValue | undefined;
    if (!schedule) return { id: ID, status: "unknown", message: "no chaos-schedule op in history.jsonl: this run scheduled no faults", evidence: [] };
    const runEndMs = ctx.history.length ? ctx.history[ctx.history.length - 1]!.timeMs : 0;
    const ws = windows(ctx.history, runEndMs);
    const recorded = new Set(ws.map((w) => w.row.id));
    const missing = schedule.faults.filter((f) => !recorded.has(f.id)).map((f) => `fault ${f.id} (${f.kind} ${f.target}, ${f.at}) was scheduled but never recorded`);
    countAdminWrites(ctx.history, ws);
    const s = await scan(ctx, ws);
    ws.forEach(judge);
    const rows: FaultRow[] = ws.map((w) => w.row);
    const problems = [...missing, ...rows.flatMap((r) => (r.problem ? [r.problem] : []))];
    if (s.outsideCount > 0) {
      problems.push(`${plural(s.outsideCount, "load request")} failed outside every fault window: ${byCount(s.outside).slice(0, 5).map(([g, c]) => `${n(c)} ${g}`).join(", ")}`);
    }
    const data = { seed: schedule.seed, loadBalancer: schedule.loadBalancer, toxiproxy: schedule.toxiproxy, faults: rows, total: s.total, failedOutsideWindows: s.outsideCount, firstOutside: s.firstOutside };
    const evidence = [`seed ${schedule.seed}; ${n(s.total)} load requests; ${n(s.outsideCount)} failed outside fault windows`, ...rows.map(summary)];
    if (s.total === 0) return { id: ID, status: "unknown", message: "no load requests in requests.jsonl: the faults had no traffic to act on", evidence, data };
    if (problems.length > 0) {
      return { id: ID, status: "fail", message: problems.join("; "), evidence: [...evidence, "see history.jsonl (f \"fault\") and requests.jsonl", ...s.firstOutside.map((r) => JSON.stringify(r))], data };
    }
    return { id: ID, status: "pass", message: `${plural(rows.length, "fault")}, each within its expectation; 0 of ${n(s.total)} load requests failed outside the fault windows: ${rows.map((r) => `${r.id} ${n(r.failures)} failed`).join(", ")}`, evidence, data };
  },
};
