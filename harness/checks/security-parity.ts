// Security parity: a request whose baseline answer is a refusal (401, 403 or 429 and nothing
// else) never gets 200, on any node of either cluster, in any phase, whether it came through the
// load balancer (load, verifier) or straight to a node (readiness gate, cold old node, rebuild,
// after finish). zero-failed-requests counts the same answers as failures; this check exists so a
// security regression is reported as one, not drowned in an error count. A probe whose baseline
// also allows 200 (the rate-limited one) is judged by shared-rate-limit instead.
import type { Check, CheckResult } from "./check.ts";
import { probeObservations } from "./probe-answers.ts";
import { bump, byCount, n } from "./stats.ts";

const ID = "security-parity";
const REFUSALS: readonly number[] = [401, 403, 429];
const MESSAGE_GROUPS = 5;

export function refusalProbes(baseline: Readonly<Record<string, number | readonly number[]>>): Record<string, readonly number[]> {
  const out: Record<string, readonly number[]> = {};
  for (const [probe, e] of Object.entries(baseline)) {
    const statuses: readonly number[] = typeof e === "number" ? [e] : e;
    if (statuses.length > 0 && statuses.every((s) => REFUSALS.includes(s))) out[probe] = statuses;
  }
  return out;
}

export const securityParity: Check = {
  id: ID,
  description: "a request whose baseline answer is 401, 403 or 429 never gets 200 on any node, in any phase (load and direct probes)",
  async check(ctx): Promise<CheckResult> {
    const refused = refusalProbes(ctx.expectations.baseline);
    const names = Object.keys(refused);
    if (names.length === 0) return { id: ID, status: "unknown", message: "no probe's baseline answer is 401, 403 or 429: nothing to check", evidence: [] };
    const groups: Record<string, number> = {};
    const nodes = new Set<string>();
    let requests = 0;
    let bypassed = 0;
    const expected = (p: string): string => refused[p]!.join(" or ");
    for await (const r of ctx.requests()) {
      if (!(r.probe in refused) || r.node === null) continue;
      requests += 1;
      nodes.add(r.node);
      if (r.status !== 200) continue;
      bypassed += 1;
      bump(groups, `${r.probe} (baseline ${expected(r.probe)}) got 200 on ${r.node} (${r.cluster}) during ${ctx.timeline.label(r.startMs)}${r.source && r.source !== "load" ? ` [${r.source}]` : ""}`);
    }
    const probes = probeObservations(ctx.history).filter((o) => o.probe in refused);
    for (const o of probes) {
      nodes.add(o.node);
      if (o.status !== 200) continue;
      bypassed += 1;
      bump(groups, `${o.probe} (baseline ${expected(o.probe)}) got 200 on ${o.node} (${o.cluster}) during ${ctx.timeline.labelOp(o.op)} [probe: ${o.source}]`);
    }
    const data = { probes: refused, requests, directProbes: probes.length, nodes: [...nodes].sort(), bypassed, groups };
    const evidence = [`refusal probes: ${names.map((p) => `${p} (baseline ${expected(p)})`).join(", ")}`, `${n(requests)} requests through the load balancer and ${n(probes.length)} direct probes, on ${[...nodes].sort().join(", ") || "no node"}`];
    if (bypassed > 0) {
      const sorted = byCount(groups);
      const shown = sorted.slice(0, MESSAGE_GROUPS).map(([g, c]) => `${g}${c > 1 ? ` ${n(c)} times` : ""}`);
      const more = sorted.length > MESSAGE_GROUPS ? `; and ${n(sorted.length - MESSAGE_GROUPS)} more groups` : "";
      return {
        id: ID, status: "fail",
        message: `security parity broken: ${n(bypassed)} requests that the baseline refuses were answered 200: ${shown.join("; ")}${more}`,
        evidence: [...evidence, ...sorted.map(([g, c]) => `${n(c)} x ${g}`), "see requests.jsonl and history.jsonl (f \"probe-answers\", \"node-ready\", \"verify-entity\")"], data,
      };
    }
    if (requests + probes.length === 0) return { id: ID, status: "unknown", message: `no request for ${names.join(", ")} was recorded: security parity was never exercised`, evidence, data };
    return { id: ID, status: "pass", message: `no request that the baseline refuses got 200: ${names.join(", ")} over ${n(requests)} requests and ${n(probes.length)} direct probes on ${n(nodes.size)} nodes`, evidence, data };
  },
};
