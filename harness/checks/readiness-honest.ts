// Production load balancers and Kubernetes readiness probes send a node traffic once its status
// endpoint says it is ready. A node that says so before it serves like the old version gets real
// traffic it answers wrongly. For every node the scenario starts during the upgrade, the readiness
// gate records when `GET /status` first said ready and when the node first answered every seed
// probe like the baseline; a gap longer than the propagation bound (what Kong itself needs to pick
// up configuration) fails, naming the node and the gap. Nodes a chaos fault started (a killed node's
// return, an extra node) are judged the same way; a gap that overlapped another fault acting on the
// node or the datastore (a partition, a datastore restart) is that fault's, and is not judged.
import type { Check, CheckResult } from "./check.ts";
import { EVERY_FAULT, faultSpans, type FaultSpan } from "./fault-windows.ts";
import { F, type Op, type ReadinessValue } from "./records.ts";
import { ms, n } from "./stats.ts";

const ID = "readiness-honest";

const gapOf = (v: ReadinessValue): number | null => (v.statusReadyMs === null || v.servingMs === null ? null : v.servingMs - v.statusReadyMs);

function describe(v: ReadinessValue, label: string): string {
  const said = v.statusReadyMs === null ? "`/status` never said ready" : `\`/status\` said ready at ${ms(v.statusReadyMs)}`;
  const served = v.servingMs === null ? `never answered like the baseline (last: ${v.lastMismatches.join(", ") || "no answer recorded"})` : `answered like the baseline at ${ms(v.servingMs)}`;
  const gap = gapOf(v);
  return `${v.node} (${v.cluster}, ${v.startedBy ? `started by fault ${v.startedBy}, ` : ""}${label}): ${said}, ${served}${gap !== null && gap > 0 ? `: ${ms(gap)} later` : ""}`;
}

/** The fault (other than the one that started the node) acting on the node or the datastore while its gap lasted. */
function faultDuringGap(v: ReadinessValue, spans: readonly FaultSpan[], runEnd: number): FaultSpan | undefined {
  if (v.statusReadyMs === null) return undefined;
  const from = v.statusReadyMs;
  const to = v.servingMs ?? runEnd;
  return spans.find((s) => s.id !== v.startedBy && (s.nodes.length === 0 || s.nodes.includes(v.node)) && s.start <= to && s.end >= from);
}

export const readinessHonest: Check = {
  id: ID,
  description: "no node says it is ready (`GET /status`) longer than the propagation bound before it answers like the baseline",
  async check(ctx): Promise<CheckResult> {
    const bound = ctx.expectations.propagationBoundMs;
    const watched = ctx.history.filter((op): op is Op<ReadinessValue> => op.f === F.readiness && op.type === "ok");
    const label = (op: Op<ReadinessValue>): string => `during ${ctx.timeline.labelOp(op)}`;
    const spans = faultSpans(ctx.history, EVERY_FAULT);
    const runEnd = ctx.history.at(-1)?.timeMs ?? 0;
    const excused = watched.flatMap((op) => {
      const s = faultDuringGap(op.value, spans, runEnd);
      return s ? [{ op, fault: s.id }] : [];
    });
    const ops = watched.filter((op) => !excused.some((e) => e.op === op));
    const notJudged = excused.map((e) => `not judged: ${describe(e.op.value, label(e.op))}, while fault ${e.fault} acted on it or the datastore`);
    const evidence = [...ops.map((op) => describe(op.value, label(op))), ...notJudged];
    const data = { boundMs: bound, nodes: watched.map((op) => ({ ...op.value, gapMs: gapOf(op.value) })), notJudged: excused.map((e) => ({ node: e.op.value.node, fault: e.fault })) };
    if (watched.length === 0) return { id: ID, status: "unknown", message: "no readiness ops in history.jsonl: no node's `/status` was watched while it started", evidence, data };
    if (ops.length === 0) return { id: ID, status: "unknown", message: `no node's readiness could be judged: ${notJudged.join("; ")}`, evidence, data };
    const lying = ops.filter((op) => op.value.statusReadyMs !== null && (op.value.servingMs === null || gapOf(op.value)! > bound));
    if (lying.length > 0) {
      return {
        id: ID, status: "fail",
        message: `${n(lying.length)} of ${n(ops.length)} nodes said ready before they served like the baseline, by more than the propagation bound ${ms(bound)}: ${lying.map((op) => describe(op.value, label(op))).join("; ")}`,
        evidence: [...evidence, "a load balancer or Kubernetes probe on `/status` sends such a node traffic it answers wrongly; see history.jsonl (f \"readiness\")"], data,
      };
    }
    const unjudged = ops.filter((op) => op.value.statusReadyMs === null);
    if (unjudged.length > 0) {
      return { id: ID, status: "unknown", message: `\`/status\` never said ready on ${unjudged.map((op) => op.value.node).join(", ")}, so its honesty could not be judged`, evidence, data };
    }
    const worst = Math.max(...ops.map((op) => gapOf(op.value) ?? 0));
    const names = ops.map((op) => (op.value.startedBy ? `${op.value.node} (started by fault ${op.value.startedBy})` : op.value.node)).join(", ");
    const left = excused.length > 0 ? ` (${n(excused.length)} not judged: a fault acted on the node or the datastore during its gap)` : "";
    return { id: ID, status: "pass", message: `all ${n(ops.length)} nodes served like the baseline within ${ms(bound)} of \`/status\` saying ready (largest gap ${ms(worst)}): ${names}${left}`, evidence, data };
  },
};
