// Every load request must answer as in the baseline. Failures are counted by kind and attributed
// to phase, step, cluster and node; the message names the biggest groups.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import type { RequestLine } from "./records.ts";
import { classifyRequest, isLoad } from "./requests.ts";
import { bump, byCount, n } from "./stats.ts";
import { positionLabel } from "./timeline.ts";

const ID = "zero-failed-requests";
const MESSAGE_GROUPS = 5;

interface Tally {
  total: number;
  failed: number;
  unknownProbes: Record<string, number>;
  groups: Record<string, number>;
  byKind: Record<string, number>;
  byPhase: Record<string, number>;
  byStep: Record<string, number>;
  byCluster: Record<string, number>;
  byNode: Record<string, number>;
  byProbe: Record<string, number>;
  first: Record<string, unknown>[];
}

const describeFailure = (kind: string, r: RequestLine): string => (kind === "status" ? `status ${r.status}` : kind);

async function tally(ctx: CheckContext, firstN: number): Promise<Tally> {
  const t: Tally = { total: 0, failed: 0, unknownProbes: {}, groups: {}, byKind: {}, byPhase: {}, byStep: {}, byCluster: {}, byNode: {}, byProbe: {}, first: [] };
  for await (const r of ctx.requests()) {
    if (!isLoad(r)) continue;
    t.total += 1;
    const kind = classifyRequest(r, ctx.expectations.baseline);
    if (kind === "ok") continue;
    if (kind === "unknown-probe") { bump(t.unknownProbes, r.probe); continue; }
    t.failed += 1;
    const pos = ctx.timeline.at(r.startMs);
    const where = positionLabel(pos);
    const what = describeFailure(kind, r);
    bump(t.groups, `${what}${r.node ? ` on ${r.node}` : ""} during ${where}`);
    bump(t.byKind, what);
    bump(t.byPhase, pos.phase ?? "(before the first phase)");
    if (pos.step) bump(t.byStep, `${pos.step.greenWeight}%`);
    bump(t.byCluster, r.cluster);
    bump(t.byNode, r.node ?? "(none)");
    bump(t.byProbe, r.probe);
    if (t.first.length < firstN) t.first.push({ ...r, kind, expected: ctx.expectations.baseline[r.probe], during: where });
  }
  return t;
}

const counts = (label: string, c: Record<string, number>): string =>
  `${label}: ${byCount(c).map(([k, v]) => `${k} ${n(v)}`).join(", ") || "none"}`;

export const zeroFailedRequests: Check = {
  id: ID,
  description: "every load request answers as in the baseline (no status change, connect error, reset or timeout)",
  async check(ctx): Promise<CheckResult> {
    const firstN = ctx.expectations.firstFailures ?? 20;
    const t = await tally(ctx, firstN);
    const data = { total: t.total, failed: t.failed, byKind: t.byKind, byPhase: t.byPhase, byStep: t.byStep, byCluster: t.byCluster, byNode: t.byNode, byProbe: t.byProbe, unknownProbes: t.unknownProbes, firstFailures: t.first };
    if (t.total === 0) return { id: ID, status: "unknown", message: "no load requests in requests.jsonl: the load did not run or reached no load balancer", evidence: [], data };
    const unknownLine = Object.keys(t.unknownProbes).length > 0 ? [counts("requests whose probe has no baseline (scenario bug)", t.unknownProbes)] : [];
    if (t.failed === 0) {
      if (unknownLine.length > 0) return { id: ID, status: "unknown", message: `0 of ${n(t.total)} requests failed, but some probes have no baseline to compare with`, evidence: unknownLine, data };
      return { id: ID, status: "pass", message: `0 of ${n(t.total)} requests failed`, evidence: [], data };
    }
    const groups = byCount(t.groups);
    const shown = groups.slice(0, MESSAGE_GROUPS).map(([g, c]) => `${n(c)} ${g}`);
    const more = groups.length > MESSAGE_GROUPS ? `, and ${n(groups.slice(MESSAGE_GROUPS).reduce((a, [, c]) => a + c, 0))} more in ${n(groups.length - MESSAGE_GROUPS)} other groups` : "";
    return {
      id: ID,
      status: "fail",
      message: `${n(t.failed)} of ${n(t.total)} requests failed: ${shown.join(", ")}${more}`,
      evidence: [
        counts("by kind", t.byKind), counts("by phase", t.byPhase), counts("by step", t.byStep),
        counts("by cluster", t.byCluster), counts("by node", t.byNode), counts("by probe", t.byProbe), ...unknownLine,
        `first ${t.first.length} failures in full (see requests.jsonl):`,
        ...t.first.map((f) => JSON.stringify(f)),
      ],
      data,
    };
  },
};
