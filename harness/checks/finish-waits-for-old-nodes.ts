// `kong migrations finish` removes what old nodes still read, so it may only run once no old node
// answers. The harness does not trust its own list of old nodes for that: before finish it
// connects to the proxy and Admin ports of every old node it ever started (old-node-gate op) and
// refuses to run finish while any answers. This check fails when the gate found an answering old
// node (the run stopped there; the message says which), or when finish ran without a quiet gate.
import type { Check, CheckResult } from "./check.ts";
import { F, type OldNodeGateValue, type OldNodeProbeValue, type Op } from "./records.ts";

const ID = "finish-waits-for-old-nodes";

const port = (label: string, p: OldNodeProbeValue["proxy"]): string => `${label} ${p.url} ${p.detail}`;
export const describeOldNode = (x: OldNodeProbeValue): string =>
  `${x.node} (${port("proxy", x.proxy)}; ${port("Admin API", x.admin)}${x.inHarnessList ? "; still in the harness's old cluster" : ""})`;

export const finishWaitsForOldNodes: Check = {
  id: ID,
  description: "`kong migrations finish` runs only after every old node stopped answering on its proxy and Admin ports (probed for real)",
  async check(ctx): Promise<CheckResult> {
    const gates = ctx.history.filter((op): op is Op<OldNodeGateValue> => op.f === F.oldNodeGate && op.type === "ok");
    const finishes = ctx.history.filter((op) => op.f === F.migrationsFinish && op.type === "invoke");
    const evidence = gates.map((g) => `gate during ${ctx.timeline.labelOp(g)}: ${g.value.nodes.map(describeOldNode).join("; ") || "no old node known"}`);
    const data = { gates: gates.map((g) => g.value), finishes: finishes.length };
    const loud = gates.filter((g) => g.value.answering.length > 0);
    if (loud.length > 0) {
      const g = loud[0]!;
      const answering = g.value.nodes.filter((x) => g.value.answering.includes(x.node));
      return {
        id: ID, status: "fail",
        message: `\`kong migrations finish\` refused during ${ctx.timeline.labelOp(g)}: ${answering.length} old node${answering.length === 1 ? "" : "s"} still answer${answering.length === 1 ? "s" : ""}: ${answering.map(describeOldNode).join("; ")}`,
        evidence: [...evidence, "see history.jsonl (f \"old-node-gate\")"], data,
      };
    }
    const unguarded = finishes.filter((f) => !gates.some((g) => g.index < f.index));
    if (unguarded.length > 0) {
      return { id: ID, status: "fail", message: `\`kong migrations finish\` ran during ${ctx.timeline.labelOp(unguarded[0]!)} without the old nodes' ports being probed first`, evidence: [...evidence, "see history.jsonl (f \"migrations-finish\")"], data };
    }
    if (gates.length === 0) return { id: ID, status: "unknown", message: "no old-node gate and no `kong migrations finish` in history.jsonl: the run ended before finish", evidence, data };
    const last = gates.at(-1)!;
    return { id: ID, status: "pass", message: `no old node answered before \`kong migrations finish\`: ${last.value.nodes.map(describeOldNode).join("; ")}`, evidence, data };
  },
};
