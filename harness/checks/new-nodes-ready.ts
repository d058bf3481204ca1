// A new node is ready only when real requests through it answer like the baseline, not when a
// status endpoint answers (a node can report healthy and not serve). The scenario records one
// "node-ready" op per new node from its readiness gate (before the load balancer gives it traffic
// with `--readiness baseline`; beside its first traffic with the default `status`); any
// `ready: false` fails, naming the node and what it answered. A new node with no verdict is unknown.
import type { Check, CheckResult } from "./check.ts";
import { pairOps } from "./history.ts";
import { F, type NodeReadyValue, type Op } from "./records.ts";
import { n } from "./stats.ts";

const ID = "new-nodes-ready";

interface Verdict { readonly op: Op; readonly v: NodeReadyValue }

export const newNodesReady: Check = {
  id: ID,
  description: "every new node answers the baseline probes correctly at its readiness gate (before it gets traffic with `--readiness baseline`; as it gets its first traffic with the default `status`)",
  async check(ctx): Promise<CheckResult> {
    const verdicts = pairOps<NodeReadyValue>(ctx.history, F.nodeReady)
      .flatMap((p): Verdict[] => (p.completion?.type === "ok" ? [{ op: p.invoke, v: p.completion.value }] : []));
    const describe = (x: Verdict): string =>
      `new node ${x.v.node} (${x.v.cluster}) ${x.v.ready ? "answered like the baseline" : `did not answer like the baseline during ${ctx.timeline.labelOp(x.op)}: ${x.v.mismatches.join(", ") || "(no mismatch recorded)"}`}`;
    const evidence = verdicts.map(describe);
    const data = { nodes: verdicts.map((x) => x.v) };
    if (verdicts.length === 0) return { id: ID, status: "unknown", message: "no node-ready ops in history.jsonl: no new node was judged", evidence, data };
    const notReady = verdicts.filter((x) => !x.v.ready);
    if (notReady.length > 0) {
      return { id: ID, status: "fail", message: `${n(notReady.length)} of ${n(verdicts.length)} new nodes never answered like the baseline: ${notReady.map(describe).join("; ")}`, evidence: [...evidence, "see history.jsonl (f \"node-ready\") and the node logs in report.json"], data };
    }
    const judged = new Set(verdicts.map((x) => x.v.node));
    const unjudged = ctx.expectations.nodes.green.filter((node) => !judged.has(node));
    if (unjudged.length > 0) return { id: ID, status: "unknown", message: `new nodes never judged ready or not: ${unjudged.join(", ")} (${n(verdicts.length)} judged ready)`, evidence, data };
    return { id: ID, status: "pass", message: `all ${n(verdicts.length)} new nodes answered like the baseline at their readiness gate (${[...judged].join(", ")})`, evidence, data };
  },
};
