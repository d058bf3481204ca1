// Admin writes (op "admin-write") against the verifier's observations (op "observe"): no ok write
// lost, every ok write visible on each node it must reach within the propagation bound. Lag =
// completion of the first matching observation on a node - completion of the write (>= 0); a node
// that showed a later write of the same entity first has applied this one too (write-order.ts).
// Writes with an unknown outcome (info) are reported, and fail only when seen on some nodes but
// not all; a failed write must be seen nowhere; writes the harness's guard refused are skipped.
//
// The bound is Kong's documented delay (db_update_frequency + db_update_propagation) plus a margin
// for the verifier's own polling, plus what the old version itself needs beyond the documented
// delay on this run's machine: its own lag between old nodes for the writes made before `up`
// (propagation-baseline.ts). A loaded machine slows every version alike; only a change is blamed.
import type { Check, CheckExpectations, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { propagationBound, type PropagationBound } from "./propagation-baseline.ts";
import { F, WRITE_REFUSED, type AdminWriteValue } from "./records.ts";
import { atLeast, parseVersion } from "../plan/version.ts";
import { ms, n, quantiles, type Quantiles } from "./stats.ts";
import type { Timeline } from "./timeline.ts";
import { effectiveSightings, type Sighting } from "./write-order.ts";

export { firstSightings } from "./write-order.ts";

const ID = "admin-writes-propagated";
const MESSAGE_PROBLEMS = 5;
/** (write, node) pairs named in the evidence line about writes seen through a later write. */
const EVIDENCE_THROUGH = 10;

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
  /** node -> the later write of the same entity through which the node was first seen to have this one. */
  readonly through?: Readonly<Record<string, string>>;
}

const clusterOf = (e: CheckExpectations, node: string): string =>
  e.nodes.blue.includes(node) ? "blue" : e.nodes.green.includes(node) ? "green" : "other";

/** One write judged against its sightings; `boundMs` null: lateness not judged yet (the bound needs the baseline's lags). */
export function outcome(p: OpPair<AdminWriteValue>, sightings: Map<string, Map<string, Sighting>>, e: CheckExpectations, timeline: Timeline, boundMs: number | null): WriteOutcome {
  const v = p.invoke.value;
  const c = p.completion;
  const type = c?.type === "ok" || c?.type === "fail" ? c.type : "info";
  const expectOn = v.expectOn ?? [...e.nodes.blue, ...e.nodes.green];
  const seen = sightings.get(v.writeId) ?? new Map<string, Sighting>();
  const lags: Record<string, number> = {};
  const through: Record<string, string> = {};
  const lateOn: string[] = [];
  for (const [node, s] of seen) {
    // Through a later write, only where this write is judged: a node left out of expectOn (not
    // expected to show it, or excused under a fault) is not judged on it by another write's sighting.
    if (s.through && !expectOn.includes(node)) continue;
    lags[node] = type === "ok" ? Math.max(0, s.timeMs - c!.timeMs) : s.timeMs;
    if (s.through) through[node] = s.through;
    if (type === "ok" && boundMs !== null && lags[node]! > boundMs) lateOn.push(node);
  }
  const pos = timeline.atOp(p.invoke);
  return {
    writeId: v.writeId, entity: v.entity, action: v.action, cluster: v.cluster, ...(p.invoke.node ? { via: p.invoke.node } : {}), type,
    during: timeline.labelOp(p.invoke), phase: pos.phase ?? "(before the first phase)",
    invokedMs: p.invoke.timeMs, completedMs: c?.timeMs ?? null, lags,
    missingOn: type === "fail" ? [] : expectOn.filter((node) => !seen.has(node)), lateOn,
    ...(Object.keys(through).length ? { through } : {}),
  };
}

/** "write w-1 on green-2 (through w-3)", for writes first seen as a later write of their entity. */
function throughText(outcomes: readonly WriteOutcome[]): string[] {
  const pairs = outcomes.flatMap((w) => Object.entries(w.through ?? {}).map(([node, later]) => `${w.writeId} on ${node} (through ${later})`));
  if (pairs.length === 0) return [];
  const more = pairs.length > EVIDENCE_THROUGH ? `, and ${n(pairs.length - EVIDENCE_THROUGH)} more` : "";
  return [`${n(pairs.length)} (write, node) pairs first seen as a later write of the same entity (that node showed the later state first, so it had applied this write): ${pairs.slice(0, EVIDENCE_THROUGH).join(", ")}${more}`];
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

/** "3000 ms", or "3000 ms + 150 ms the old cluster itself needed before `up`". */
const boundWords = (b: PropagationBound): string => (b.oldExcessMs > 0 ? `${ms(b.documentedBoundMs)} + ${ms(b.oldExcessMs)} the old cluster itself needed before \`up\`` : ms(b.boundMs));

export const adminWritesPropagated: Check = {
  id: ID,
  description: "no Admin API write lost; each visible on every node within the propagation bound (Kong's documented delay, plus what the old version itself needed before `up`)",
  async check(ctx): Promise<CheckResult> {
    const e = ctx.expectations;
    const sightings = effectiveSightings(ctx.history);
    const writes = pairOps<AdminWriteValue>(ctx.history, F.adminWrite).filter((p) => p.completion?.error !== WRITE_REFUSED);
    const bound = propagationBound(ctx.history, e, writes.map((p) => outcome(p, sightings, e, ctx.timeline, null)));
    const outcomes = writes.map((p) => outcome(p, sightings, e, ctx.timeline, bound.boundMs));
    const ok = outcomes.filter((w) => w.type === "ok");
    const problems: string[] = [];
    const notes: string[] = [];
    for (const w of outcomes) {
      const seenOn = Object.keys(w.lags);
      if (w.type === "ok") {
        if (w.missingOn.length) problems.push(`${describe(w)} never seen on ${w.missingOn.join(", ")}`);
        for (const node of w.lateOn) problems.push(`${describe(w)} seen on ${node} after ${ms(w.lags[node]!)} > bound ${boundWords(bound)}`);
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
    const data = { bound: bound.boundMs, boundParts: bound, writes: outcomes, lags: { all, ...lagStats(outcomes, e) } };
    const lagText = all ? `lag p50 ${ms(all.p50)}, p99 ${ms(all.p99)}, max ${ms(all.max)}` : "no lag measured";
    const diagnosis = cacheKeyDiagnosis(ok, e);
    const evidence = [`${n(outcomes.length)} writes: ${n(ok.length)} ok, ${n(outcomes.filter((w) => w.type === "fail").length)} failed, ${n(outcomes.filter((w) => w.type === "info").length)} unknown; ${lagText}`,
      ...problems, ...diagnosis, bound.text, ...throughText(outcomes), ...notes];
    if (problems.length > 0) {
      const more = problems.length > MESSAGE_PROBLEMS ? `; and ${n(problems.length - MESSAGE_PROBLEMS)} more` : "";
      const cause = diagnosis.length ? `; likely cause: Kong 2.1's cache-key change (entity invalidations from ${e.versions!.old} nodes never reach ${e.versions!.new} nodes, see the diagnosis)` : "";
      return { id: ID, status: "fail", message: `${plural(problems.length)} with Admin writes: ${problems.slice(0, MESSAGE_PROBLEMS).join("; ")}${more}${cause}`, evidence: [...evidence, "see history.jsonl (f \"admin-write\", \"observe\")"], data };
    }
    if (ok.length === 0) return { id: ID, status: "unknown", message: "no successful Admin writes in history.jsonl: nothing to check", evidence, data };
    const noteText = notes.length ? `; ${n(notes.length)} with unknown outcome reported` : "";
    return { id: ID, status: "pass", message: `all ${n(ok.length)} ok writes visible on every node within ${boundWords(bound)} (${lagText})${noteText}${revocationText(ok, e)}`, evidence, data };
  },
};

export const NO_REVOCATION = "; no key was revoked in this run (`--no-revoke-credentials`, or the steps ended before the first rotation: hold them longer)";

/**
 * A pass says whether it covered a revoked credential reaching the other cluster's nodes: the
 * hazard of 2.0 -> 2.1+ (cache keys) shows only there, and a short run may end before the workload
 * rotates its first key.
 */
function revocationText(ok: readonly WriteOutcome[], e: CheckExpectations): string {
  const revocations = ok.filter((w) => w.action === "delete" && w.entity.startsWith("keyauth_credentials/"));
  const across = revocations.filter((w) => Object.keys(w.lags).some((node) => clusterOf(e, node) !== w.cluster));
  if (across.length > 0) return `; ${across.length === 1 ? "1 revoked key" : `${n(across.length)} revoked keys`} refused by the other cluster's nodes too`;
  return revocations.length > 0
    ? "; no revoked key was judged on the other cluster's nodes"
    : NO_REVOCATION;
}

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
