// Admin writes (op "admin-write") against the verifier's observations (op "observe"): no ok write
// lost, every ok write visible on each node it must reach within the propagation bound. Lag =
// completion of the first matching observation on a node - completion of the write (>= 0).
// Writes with an unknown outcome (info) are reported, and fail only when seen on some nodes but
// not all; a failed write must be seen nowhere; writes the harness's guard refused are skipped.
import type { Check, CheckExpectations, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { F, WRITE_REFUSED, type AdminWriteValue, type ObservationValue, type Op } from "./records.ts";
import { atLeast, parseVersion } from "../plan/version.ts";
import { ms, n, quantiles, type Quantiles } from "./stats.ts";
import type { Timeline } from "./timeline.ts";

const ID = "admin-writes-propagated";
const MESSAGE_PROBLEMS = 5;

/** writeId -> node -> time of the first matching observation's completion. */
export function firstSightings(history: readonly Op[]): Map<string, Map<string, number>> {
  const seen = new Map<string, Map<string, number>>();
  for (const p of pairOps<ObservationValue>(history, F.observe)) {
    const c = p.completion;
    if (c?.type !== "ok" || !c.value.matches) continue;
    const node = c.node ?? p.invoke.node ?? `(${c.value.cluster})`;
    const byNode = seen.get(c.value.writeId) ?? new Map<string, number>();
    if (!byNode.has(node)) byNode.set(node, c.timeMs);
    seen.set(c.value.writeId, byNode);
  }
  return seen;
}

export interface WriteOutcome {
  readonly writeId: string;
  readonly entity: string;
  readonly action: string;
  readonly cluster: string;
  readonly via?: string;
  readonly type: "ok" | "fail" | "info";
  readonly during: string;
  readonly phase: string;
  readonly invokedMs: number;
  readonly completedMs: number | null;
  /** node -> lag in ms (ok writes) or sighting time (others). */
  readonly lags: Readonly<Record<string, number>>;
  readonly missingOn: readonly string[];
  readonly lateOn: readonly string[];
}

const clusterOf = (e: CheckExpectations, node: string): string =>
  e.nodes.blue.includes(node) ? "blue" : e.nodes.green.includes(node) ? "green" : "other";

function outcome(p: OpPair<AdminWriteValue>, sightings: Map<string, Map<string, number>>, e: CheckExpectations, timeline: Timeline): WriteOutcome {
  const v = p.invoke.value;
  const c = p.completion;
  const type = c?.type === "ok" || c?.type === "fail" ? c.type : "info";
  const expectOn = v.expectOn ?? [...e.nodes.blue, ...e.nodes.green];
  const seen = sightings.get(v.writeId) ?? new Map<string, number>();
  const lags: Record<string, number> = {};
  const lateOn: string[] = [];
  for (const [node, t] of seen) {
    lags[node] = type === "ok" ? Math.max(0, t - c!.timeMs) : t;
    if (type === "ok" && lags[node]! > e.propagationBoundMs) lateOn.push(node);
  }
  const pos = timeline.atOp(p.invoke);
  return {
    writeId: v.writeId, entity: v.entity, action: v.action, cluster: v.cluster, ...(p.invoke.node ? { via: p.invoke.node } : {}), type,
    during: timeline.labelOp(p.invoke), phase: pos.phase ?? "(before the first phase)",
    invokedMs: p.invoke.timeMs, completedMs: c?.timeMs ?? null, lags,
    missingOn: type === "fail" ? [] : expectOn.filter((node) => !seen.has(node)), lateOn,
  };
}

const describe = (w: WriteOutcome): string => `write ${w.writeId} (${w.action} ${w.entity} via ${w.via ?? w.cluster} during ${w.during})`;

function lagStats(outcomes: readonly WriteOutcome[], e: CheckExpectations): Record<string, Record<string, Quantiles | null>> {
  const perPhase: Record<string, number[]> = {};
  const perCluster: Record<string, number[]> = {};
  for (const w of outcomes) {
    if (w.type !== "ok") continue;
    for (const [node, lag] of Object.entries(w.lags)) {
      (perPhase[w.phase] ??= []).push(lag);
      (perCluster[clusterOf(e, node)] ??= []).push(lag);
    }
  }
  const q = (m: Record<string, number[]>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, quantiles(v)]));
  return { perPhase: q(perPhase), perCluster: q(perCluster) };
}

export const adminWritesPropagated: Check = {
  id: ID,
  description: "no Admin API write lost; each visible on every node within the propagation bound",
  async check(ctx): Promise<CheckResult> {
    const e = ctx.expectations;
    const sightings = firstSightings(ctx.history);
    const writes = pairOps<AdminWriteValue>(ctx.history, F.adminWrite).filter((p) => p.completion?.error !== WRITE_REFUSED);
    const outcomes = writes.map((p) => outcome(p, sightings, e, ctx.timeline));
    const ok = outcomes.filter((w) => w.type === "ok");
    const problems: string[] = [];
    const notes: string[] = [];
    for (const w of outcomes) {
      const seenOn = Object.keys(w.lags);
      if (w.type === "ok") {
        if (w.missingOn.length) problems.push(`${describe(w)} never seen on ${w.missingOn.join(", ")}`);
        for (const node of w.lateOn) problems.push(`${describe(w)} seen on ${node} after ${ms(w.lags[node]!)} > bound ${ms(e.propagationBoundMs)}`);
      } else if (w.type === "fail") {
        if (seenOn.length) problems.push(`${describe(w)} failed but is visible on ${seenOn.join(", ")}`);
      } else if (seenOn.length && w.missingOn.length) {
        problems.push(`${describe(w)} had an unknown outcome and is seen on ${seenOn.join(", ")} but not on ${w.missingOn.join(", ")}`);
      } else {
        notes.push(`${describe(w)} had an unknown outcome and ${seenOn.length ? "took effect everywhere" : "was not observed anywhere"}`);
      }
    }
    const lags = ok.flatMap((w) => Object.values(w.lags));
    const all = quantiles(lags);
    const data = { bound: e.propagationBoundMs, writes: outcomes, lags: { all, ...lagStats(outcomes, e) } };
    const lagText = all ? `lag p50 ${ms(all.p50)}, p99 ${ms(all.p99)}, max ${ms(all.max)}` : "no lag measured";
    const diagnosis = cacheKeyDiagnosis(ok, e);
    const evidence = [`${n(outcomes.length)} writes: ${n(ok.length)} ok, ${n(outcomes.filter((w) => w.type === "fail").length)} failed, ${n(outcomes.filter((w) => w.type === "info").length)} unknown; ${lagText}`, ...problems, ...diagnosis, ...notes];
    if (problems.length > 0) {
      const more = problems.length > MESSAGE_PROBLEMS ? `; and ${n(problems.length - MESSAGE_PROBLEMS)} more` : "";
      const cause = diagnosis.length ? `; likely cause: Kong 2.1's cache-key change (entity invalidations from ${e.versions!.old} nodes never reach ${e.versions!.new} nodes, see the diagnosis)` : "";
      return { id: ID, status: "fail", message: `${plural(problems.length)} with Admin writes: ${problems.slice(0, MESSAGE_PROBLEMS).join("; ")}${more}${cause}`, evidence: [...evidence, "see history.jsonl (f \"admin-write\", \"observe\")"], data };
    }
    if (ok.length === 0) return { id: ID, status: "unknown", message: "no successful Admin writes in history.jsonl: nothing to check", evidence, data };
    const noteText = notes.length ? `; ${n(notes.length)} with unknown outcome reported` : "";
    return { id: ID, status: "pass", message: `all ${n(ok.length)} ok writes visible on every node within ${ms(e.propagationBoundMs)} (${lagText})${noteText}`, evidence, data };
  },
};

/** Entities whose changes reach other nodes through version keys (`router:version`, `plugins_iterator:version`), not their own cache key. */
const VERSION_KEYED = new Set(["routes", "services", "plugins"]);

/**
 * Kong 2.1 added the workspace id to entity cache keys (`<table>:<key>::::` became
 * `<table>:<key>:::::<ws_id>`): an update or delete made on a 2.0-or-older node invalidates a key
 * no 2.1+ node uses, so those nodes keep the cached entity (kong-reference §5.2). Names the lost
 * writes that fit, when the run crosses that boundary; says nothing otherwise.
 */
function cacheKeyDiagnosis(ok: readonly WriteOutcome[], e: CheckExpectations): string[] {
  const [oldV, newV] = [e.versions?.old, e.versions?.new].map((x) => (x === undefined ? undefined : parseVersion(x)));
  if (!oldV || !newV || atLeast(oldV, "2.1.0") || !atLeast(newV, "2.1.0")) return [];
  const green = new Set(e.nodes.green);
  const fits = ok.filter((w) => (w.action === "update" || w.action === "delete") && !VERSION_KEYED.has(w.entity.split("/")[0]!)
    && e.nodes.blue.includes(w.via ?? "") && w.missingOn.some((node) => green.has(node)));
  if (fits.length === 0) return [];
  return [`diagnosis: ${n(fits.length)} of the lost writes (${fits.map((w) => `${w.action} ${w.entity}`).join(", ")}) changed an entity cached by its own key, through a ${e.versions!.old} node; `
    + `${e.versions!.new} nodes never see such invalidations, because Kong 2.1 added the workspace id to entity cache keys (\`<table>:<key>::::\` became \`<table>:<key>:::::<ws_id>\`), so they keep serving the cached entity (kong-reference §5.2)`];
}

const plural = (count: number): string => (count === 1 ? "1 problem" : `${n(count)} problems`);
