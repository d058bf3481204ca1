// Answers to the seed probes that the harness sent straight to one node (not through the load
// balancer), gathered from every op that records them: a cold old node after `up`, an old node
// after a rebuild or after finish (probe-answers), the readiness gate's mismatches (node-ready:
// "keyauth-missing got 200"), and the new nodes' probes after finish (verify-entity "probe/<name>").
import { F, type Cluster, type EntityCheckValue, type NodeReadyValue, type Op, type ProbeAnswersValue } from "./records.ts";

export interface ProbeObservation {
  readonly probe: string;
  readonly node: string;
  readonly cluster: Cluster;
  /** null: no answer (connection error, timeout). */
  readonly status: number | null;
  /** Which step sent it: cold-start, rebuild, old-after-finish, ready, after-finish. */
  readonly source: string;
  readonly op: Op;
}

const oks = <V>(history: readonly Op[], f: string): Op<V>[] => history.filter((op): op is Op<V> => op.f === f && op.type === "ok");

/** "401", or "200: x-echo missing: …" (a mismatch that says what differed): the leading status. */
const statusOf = (text: string): number | null => { const m = /^(\d{3})(?:$|[:;, ])/.exec(text); return m ? Number(m[1]) : null; };

export function probeObservations(history: readonly Op[]): ProbeObservation[] {
  const out: ProbeObservation[] = [];
  for (const op of oks<ProbeAnswersValue>(history, F.probeAnswers)) {
    for (const a of op.value.answers) out.push({ probe: a.probe, node: op.value.node, cluster: op.value.cluster, status: a.status, source: op.value.purpose, op });
  }
  for (const op of oks<NodeReadyValue>(history, F.nodeReady)) {
    for (const m of op.value.mismatches) {
      const hit = /^(\S+) got (.+)$/.exec(m);
      if (hit) out.push({ probe: hit[1]!, node: op.value.node, cluster: op.value.cluster, status: statusOf(hit[2]!), source: "ready", op });
    }
  }
  for (const op of oks<EntityCheckValue>(history, F.verifyEntity)) {
    if (!op.value.entity.startsWith("probe/")) continue;
    const hit = /^status (.+)$/.exec(op.value.seen);
    out.push({ probe: op.value.entity.slice("probe/".length), node: op.node ?? "(unknown node)", cluster: op.value.cluster, status: hit ? statusOf(hit[1]!) : null, source: "after-finish", op });
  }
  return out;
}
