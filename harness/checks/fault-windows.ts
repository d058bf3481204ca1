// Checks judged with the faults of a chaos run in mind. Kong's rate-limiting plugin is fault tolerant
// by design (`fault_tolerant = true`): while the datastore is away its counters cannot be read and
// requests pass. In a chaos run, shared-rate-limit therefore judges only the requests outside the
// windows of datastore faults, and says how many it left out and why.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { pairOps } from "./history.ts";
import { F, type AdminWriteValue, type FaultValue, type ObservationValue, type Op, type RequestLine } from "./records.ts";
import { n } from "./stats.ts";

/** Faults that take the datastore away from some node. */
export const DATASTORE_FAULTS: readonly string[] = ["datastore-restart", "partition", "timeout", "reset-peer"];

/** An injected fault's window; `nodes`: the Kong nodes it acted on (none: the datastore itself). */
export interface FaultSpan { readonly id: string; readonly nodes: readonly string[]; readonly start: number; readonly end: number }

/** The injected faults of these kinds: injection to recovery (or the run's end), plus grace. */
export function faultSpans(history: readonly Op[], kinds: readonly string[]): FaultSpan[] {
  const runEnd = history.at(-1)?.timeMs ?? 0;
  return pairOps<FaultValue>(history, F.fault)
    .filter((p) => kinds.includes(p.invoke.value.kind) && p.completion?.type !== "fail")
    .map((p) => ({
      id: p.invoke.value.id, nodes: p.completion?.value?.nodes ?? p.invoke.value.nodes, start: p.invoke.timeMs,
      end: (p.completion?.type === "ok" ? p.completion.timeMs : runEnd) + (p.invoke.value.expect.graceMs ?? 0),
    }));
}

/** The injected outage faults, injection to recovery (never recovered: without end), no grace. */
function outageSpans(history: readonly Op[]): FaultSpan[] {
  return pairOps<FaultValue>(history, F.fault)
    .filter((p) => OUTAGE_FAULTS.includes(p.invoke.value.kind) && p.completion?.type !== "fail")
    .map((p) => ({ id: p.invoke.value.id, nodes: p.completion?.value?.nodes ?? p.invoke.value.nodes, start: p.invoke.timeMs, end: p.completion?.type === "ok" ? p.completion.timeMs : Infinity }));
}

export function outsideFaultWindows(check: Check, kinds: readonly string[], why: string): Check {
  return {
    id: check.id,
    description: `${check.description} (outside the windows of ${kinds.join(", ")} faults: ${why})`,
    async check(ctx: CheckContext): Promise<CheckResult> {
      const spans = faultSpans(ctx.history, kinds);
      if (spans.length === 0) return check.check(ctx);
      let left = 0;
      const inside = (r: RequestLine): boolean => spans.some((s) => r.endMs >= s.start && r.startMs <= s.end);
      const requests = async function* (): AsyncGenerator<RequestLine> {
        left = 0;
        for await (const r of ctx.requests()) {
          if (inside(r)) left += 1;
          else yield r;
        }
      };
      const r = await check.check({ ...ctx, requests });
      const note = `${n(left)} requests inside the windows of ${spans.map((s) => s.id).join(", ")} not judged: ${why}`;
      return { ...r, message: `${r.message} (${note})`, evidence: [note, ...r.evidence] };
    },
  };
}

/** Every fault kind a chaos schedule knows (harness/chaos/schedule.ts). */
export const EVERY_FAULT: readonly string[] = ["kill", "stop", "pause", "restart", "latency", "bandwidth", "timeout", "reset-peer", "partition", "extra-node", "datastore-restart"];

/** Faults that keep a node from applying Admin writes while they last (nodes [] = every node). */
export const OUTAGE_FAULTS: readonly string[] = ["kill", "stop", "pause", "restart", "partition", "timeout", "reset-peer", "datastore-restart"];

/**
 * admin-writes-propagated in a chaos run: a node under an outage fault cannot show a write made
 * while it is down or just before (within the propagation bound), and may never show its
 * intermediate state (a later update replaces it before the node is back). Those (write, node)
 * pairs are not judged, and counted; every other node must still show every write in time, and the
 * final state of every entity is judged by state-after-finish.
 */
export function excusingNodesUnderFaults(check: Check): Check {
  return {
    id: check.id,
    description: `${check.description} (a node is not expected to show a write made while it was under an outage fault, or within the bound before)`,
    async check(ctx: CheckContext): Promise<CheckResult> {
      const spans = outageSpans(ctx.history);
      if (spans.length === 0) return check.check(ctx);
      const e = ctx.expectations;
      const everyNode = [...e.nodes.blue, ...e.nodes.green];
      const excusedPairs: string[] = [];
      const rewritten = new Map<Op, Op>();
      for (const p of pairOps<AdminWriteValue>(ctx.history, F.adminWrite)) {
        const t = p.invoke.timeMs;
        const expectOn = p.invoke.value.expectOn ?? everyNode;
        const hit = spans.filter((s) => s.start <= t + e.propagationBoundMs && s.end >= t);
        const excused = expectOn.filter((node) => hit.some((s) => s.nodes.length === 0 || s.nodes.includes(node)));
        if (excused.length === 0) continue;
        excusedPairs.push(...excused.map((node) => `${p.invoke.value.writeId} on ${node}`));
        const value = { ...p.invoke.value, expectOn: expectOn.filter((node) => !excused.includes(node)) };
        rewritten.set(p.invoke, { ...p.invoke, value });
        if (p.completion) rewritten.set(p.completion, { ...p.completion, value: { ...(p.completion.value as AdminWriteValue), expectOn: value.expectOn } });
      }
      // The check also judges lateness from observations alone: drop those of the pairs not judged.
      const excusedSet = new Set(excusedPairs);
      const history = ctx.history
        .filter((op) => !(op.f === F.observe && op.node !== undefined && excusedSet.has(`${(op.value as ObservationValue).writeId} on ${op.node}`)))
        .map((op) => rewritten.get(op) ?? op);
      const r = await check.check({ ...ctx, history });
      if (excusedPairs.length === 0) return r;
      const note = `${n(excusedPairs.length)} (write, node) pairs not judged: the node was under an outage fault (${spans.map((s) => s.id).join(", ")}) when or just after the write was made`;
      return { ...r, message: `${r.message} (${note})`, evidence: [note, ...r.evidence, `not judged: ${excusedPairs.slice(0, 40).join(", ")}`] };
    },
  };
}

/**
 * invalid-writes-refused in a chaos run: a write in flight when its node was killed has an outcome
 * no client can know (the connection broke). Such writes (info, sent to a node under an outage fault
 * while they were in flight) are not judged, and counted; every other invalid write still is.
 */
export function excusingWritesCutByFaults(check: Check): Check {
  return {
    id: check.id,
    description: `${check.description} (a write cut off by a fault on its node has no knowable outcome and is not judged)`,
    async check(ctx: CheckContext): Promise<CheckResult> {
      const spans = outageSpans(ctx.history);
      const cut = new Set<Op>();
      const ids: string[] = [];
      for (const p of pairOps<AdminWriteValue>(ctx.history, F.adminWrite)) {
        const c = p.completion;
        if (c?.type !== "info" || p.invoke.node === undefined) continue;
        const node = p.invoke.node;
        if (!spans.some((s) => (s.nodes.length === 0 || s.nodes.includes(node)) && s.start <= c.timeMs && s.end >= p.invoke.timeMs)) continue;
        cut.add(p.invoke).add(c);
        ids.push(`${p.invoke.value.writeId} via ${node}`);
      }
      if (cut.size === 0) return check.check(ctx);
      const r = await check.check({ ...ctx, history: ctx.history.filter((op) => !cut.has(op)) });
      const note = `${n(ids.length)} writes cut off by a fault on their node not judged: ${ids.join(", ")}`;
      return { ...r, message: `${r.message} (${note})`, evidence: [note, ...r.evidence] };
    },
  };
}
