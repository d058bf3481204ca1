// The fault schedule of a chaos scenario, as data: which fault, on what, when (a phase, a shift
// step, a time, or a seeded random point), for how long, and what it may do to traffic. Pure:
// `resolveSchedule` validates every spec (all problems at once) and draws the random parts from
// the seed, so the same seed always gives the same schedule.
import type { FaultExpectation, UpgradePhase } from "../checks/records.ts";
import { InvalidConfigError } from "../errors.ts";
import { SeededRandom } from "./seeded-random.ts";

export type NodeFaultKind = "kill" | "stop" | "pause" | "restart";
export type ToxicFaultKind = "latency" | "bandwidth" | "timeout" | "reset-peer" | "partition";
export type FaultKind = NodeFaultKind | ToxicFaultKind | "extra-node" | "datastore-restart";

export const NODE_FAULTS: readonly NodeFaultKind[] = ["kill", "stop", "pause", "restart"];
export const TOXIC_FAULTS: readonly ToxicFaultKind[] = ["latency", "bandwidth", "timeout", "reset-peer", "partition"];
const KINDS: readonly FaultKind[] = [...NODE_FAULTS, ...TOXIC_FAULTS, "extra-node", "datastore-restart"];

export type ClusterName = "blue" | "green";

/** What a fault acts on. `randomNode` is drawn from the cluster's nodes with the seed. */
export type FaultTarget =
  | { readonly node: string }
  | { readonly randomNode: ClusterName }
  | { readonly cluster: ClusterName }
  | "all"
  | "datastore";

/** When a fault starts. `step` is a planned green weight (percent); `random` draws an offset into the phase. */
export type FaultTrigger =
  | { readonly phase: UpgradePhase; readonly afterMs?: number }
  | { readonly step: number; readonly afterMs?: number }
  | { readonly atMs: number }
  | { readonly random: { readonly phase: UpgradePhase; readonly withinMs: number } };

export interface FaultParams {
  /** latency: added delay and its jitter, ms. */
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  /** bandwidth: KB/s. */
  readonly rateKBps?: number;
  /** timeout: Toxiproxy closes the connection after this long without data (0: holds it). */
  readonly timeoutMs?: number;
  /** extra-node: which version starts cold ("blue" = old image, "green" = new image). */
  readonly cluster?: ClusterName;
}

export interface FaultSpec {
  /** Unique in the schedule; default "<kind>-<n>". */
  readonly id?: string;
  readonly kind: FaultKind;
  /** Default: "datastore" for datastore-restart; required otherwise (extra-node: none). */
  readonly target?: FaultTarget;
  readonly at: FaultTrigger;
  /** How long the fault lasts before recovery (kill/stop: node started again; pause: unpaused; toxics: removed). Default 3000. */
  readonly forMs?: number;
  readonly params?: FaultParams;
  readonly expect: FaultExpectation;
}

/** A target after the seed was applied. */
export type ResolvedTarget = { readonly node: string } | { readonly cluster: ClusterName } | "all" | "datastore" | { readonly extra: ClusterName };

export type ResolvedTrigger = { readonly phase: UpgradePhase; readonly afterMs: number } | { readonly step: number; readonly afterMs: number } | { readonly atMs: number };

export interface ResolvedFault {
  readonly id: string;
  readonly kind: FaultKind;
  readonly target: ResolvedTarget;
  readonly trigger: ResolvedTrigger;
  readonly forMs: number;
  readonly params: FaultParams;
  readonly expect: FaultExpectation;
}

export interface ScheduleContext {
  readonly seed: number;
  /** Node names per cluster as the scenario will start them. */
  readonly nodes: Readonly<Record<ClusterName, readonly string[]>>;
  /** Toxic faults need Kong nodes routed through Toxiproxy. */
  readonly toxiproxy: boolean;
  /** Planned green weights, to validate `step` triggers. */
  readonly steps?: readonly number[];
}

export const DEFAULT_FOR_MS = 3_000;

export function describeTarget(t: ResolvedTarget): string {
  if (t === "all") return "all nodes";
  if (t === "datastore") return "datastore";
  if ("node" in t) return `node ${t.node}`;
  if ("extra" in t) return `a new ${t.extra} node`;
  return `cluster ${t.cluster}`;
}

export function describeTrigger(t: ResolvedTrigger): string {
  if ("atMs" in t) return `at ${t.atMs}ms`;
  if ("phase" in t) return `phase ${t.phase} +${t.afterMs}ms`;
  return `step ${t.step}% +${t.afterMs}ms`;
}

export function describeExpectation(e: FaultExpectation): string {
  const grace = e.graceMs ? ` (grace ${e.graceMs}ms)` : "";
  if (e.kind === "budget") return `budget: at most ${e.maxFailures} failed requests, inside the window${grace}`;
  return `${e.kind}${grace}`;
}

export function describeFault(f: ResolvedFault): string {
  return `${f.id}: ${f.kind} ${describeTarget(f.target)} ${describeTrigger(f.trigger)} for ${f.forMs}ms, expect ${describeExpectation(f.expect)}`;
}

/** Validates and resolves a schedule; throws one InvalidConfigError listing every problem. */
export function resolveSchedule(specs: readonly FaultSpec[], ctx: ScheduleContext): ResolvedFault[] {
  const problems: string[] = [];
  const random = new SeededRandom(ctx.seed);
  const ids = new Set<string>();
  const resolved = specs.map((spec, i) => {
    const id = spec.id ?? `${spec.kind}-${i + 1}`;
    const where = `fault ${i + 1} ("${id}")`;
    if (ids.has(id)) problems.push(`${where}: the id is used twice; give each fault its own id`);
    ids.add(id);
    problems.push(...specProblems(spec, ctx).map((p) => `${where}: ${p}`));
    return resolveOne(spec, id, random, ctx);
  });
  if (problems.length > 0) throw new InvalidConfigError(problems, { hint: "see the Chaos section of README.md for the fault DSL" });
  return resolved;
}

function specProblems(s: FaultSpec, ctx: ScheduleContext): string[] {
  const p: string[] = [];
  if (!KINDS.includes(s.kind)) return [`kind must be one of ${KINDS.join(", ")}, but is "${String(s.kind)}"`];
  const nonNegative = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) p.push(`${name} must be a number >= 0, but is ${v}`);
  };
  nonNegative("forMs", s.forMs);
  p.push(...triggerProblems(s.at, ctx));
  p.push(...targetProblems(s, ctx));
  const e = s.expect as FaultExpectation | undefined;
  if (!e || !["zero-failures", "budget", "proxy-unaffected"].includes(e.kind)) p.push(`expect must be {kind: "zero-failures" | "budget" | "proxy-unaffected"}, but is ${JSON.stringify(e)}`);
  else {
    nonNegative("expect.graceMs", e.graceMs);
    if (e.kind === "budget" && !(Number.isInteger(e.maxFailures) && e.maxFailures >= 0)) p.push(`expect.maxFailures must be a whole number >= 0, but is ${e.maxFailures}`);
  }
  const params = s.params ?? {};
  nonNegative("params.latencyMs", params.latencyMs);
  nonNegative("params.jitterMs", params.jitterMs);
  nonNegative("params.timeoutMs", params.timeoutMs);
  if (s.kind === "latency" && params.latencyMs === undefined) p.push("a latency fault needs params.latencyMs");
  if (s.kind === "bandwidth" && !(Number.isFinite(params.rateKBps) && params.rateKBps! > 0)) p.push(`a bandwidth fault needs params.rateKBps > 0, but it is ${params.rateKBps}`);
  return p;
}

function triggerProblems(t: FaultTrigger | undefined, ctx: ScheduleContext): string[] {
  if (!t || typeof t !== "object") return ["at must be {phase}, {step}, {atMs} or {random: {phase, withinMs}}"];
  const offset = "afterMs" in t ? t.afterMs : undefined;
  if (offset !== undefined && !(Number.isFinite(offset) && offset >= 0)) return [`at.afterMs must be a number >= 0, but is ${offset}`];
  if ("step" in t) {
    if (!Number.isInteger(t.step) || t.step < 0 || t.step > 100) return [`at.step must be a green weight from 0 to 100, but is ${t.step}`];
    if (ctx.steps && !ctx.steps.includes(t.step)) return [`at.step ${t.step}% is not a step of the shift plan (${ctx.steps.join(", ")})`];
  }
  if ("atMs" in t && !(Number.isFinite(t.atMs) && t.atMs >= 0)) return [`at.atMs must be a number >= 0, but is ${t.atMs}`];
  if ("random" in t && !(Number.isFinite(t.random.withinMs) && t.random.withinMs > 0)) return [`at.random.withinMs must be > 0, but is ${t.random.withinMs}`];
  if (!("step" in t || "atMs" in t || "phase" in t || "random" in t)) return ["at must be {phase}, {step}, {atMs} or {random: {phase, withinMs}}"];
  return [];
}

function targetProblems(s: FaultSpec, ctx: ScheduleContext): string[] {
  const t = s.target;
  const all = [...ctx.nodes.blue, ...ctx.nodes.green];
  if (s.kind === "extra-node") {
    return s.params?.cluster === "blue" || s.params?.cluster === "green" ? [] : [`an extra-node fault needs params.cluster "blue" (old version) or "green" (new version)`];
  }
  if (s.kind === "datastore-restart") return t === undefined || t === "datastore" ? [] : [`a datastore-restart targets "datastore", not ${JSON.stringify(t)}`];
  if (t === undefined || t === "datastore") return [`a ${s.kind} fault needs a Kong node target ({node}, {randomNode}${NODE_FAULTS.includes(s.kind as NodeFaultKind) ? "" : ", {cluster} or \"all\""})`];
  const p: string[] = [];
  if (typeof t === "object" && "node" in t && !all.includes(t.node)) p.push(`node "${t.node}" is not one of the scenario's nodes (${all.join(", ")})`);
  if (typeof t === "object" && "randomNode" in t && ctx.nodes[t.randomNode]?.length === 0) p.push(`cluster ${t.randomNode} has no nodes to draw from`);
  if (NODE_FAULTS.includes(s.kind as NodeFaultKind) && (t === "all" || "cluster" in t)) p.push(`a ${s.kind} fault acts on one node: use {node} or {randomNode}`);
  if (TOXIC_FAULTS.includes(s.kind as ToxicFaultKind) && !ctx.toxiproxy) p.push(`a ${s.kind} fault needs the datastore behind Toxiproxy: set toxiproxy: true in the chaos plan`);
  return p;
}

function resolveOne(s: FaultSpec, id: string, random: SeededRandom, ctx: ScheduleContext): ResolvedFault {
  return {
    id, kind: s.kind, target: resolveTarget(s, random, ctx), trigger: resolveTrigger(s.at, random),
    forMs: s.forMs ?? (s.kind === "restart" || s.kind === "datastore-restart" || s.kind === "extra-node" ? 0 : DEFAULT_FOR_MS),
    params: s.params ?? {}, expect: s.expect,
  };
}

function resolveTarget(s: FaultSpec, random: SeededRandom, ctx: ScheduleContext): ResolvedTarget {
  const t = s.target;
  if (s.kind === "extra-node") return { extra: s.params?.cluster ?? "blue" };
  if (t === undefined || t === "datastore") return "datastore";
  if (t !== "all" && "randomNode" in t) {
    const nodes = ctx.nodes[t.randomNode] ?? [];
    return nodes.length > 0 ? { node: random.pick(nodes) } : { cluster: t.randomNode };
  }
  return t;
}

function resolveTrigger(t: FaultTrigger, random: SeededRandom): ResolvedTrigger {
  if (t && "random" in t) return { phase: t.random.phase, afterMs: random.int(0, Math.max(1, Math.floor(t.random.withinMs))) };
  if (t && "phase" in t) return { phase: t.phase, afterMs: t.afterMs ?? 0 };
  if (t && "step" in t) return { step: t.step, afterMs: t.afterMs ?? 0 };
  return t as ResolvedTrigger;
}
