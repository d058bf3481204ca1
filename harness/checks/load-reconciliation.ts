// vegeta's client-side counts (op "load-summary") against the load balancer's records.
// Per status code the LB's answers must cover the client's exactly: a status vegeta saw that the
// LB never sent is unexplained. Requests the LB answered but vegeta got no answer for (client
// timeout) are listed. Requests that never reached the LB (vegeta total - LB total) must be
// covered by vegeta's connection-level errors.
import type { Check, CheckResult } from "./check.ts";
import { F, type LoadSummaryValue, type RequestLine } from "./records.ts";
import { isLoad } from "./requests.ts";
import { bump, byCount, n } from "./stats.ts";

const ID = "load-reconciliation";

/** Status the LB answered to the client when the record does not say (clientStatus absent). */
const LB_ERROR_STATUS: Record<string, number> = { connect: 502, reset: 502, timeout: 504, "no-backend": 503 };

export function lbClientStatus(r: RequestLine): number | null {
  if (r.clientStatus !== undefined) return r.clientStatus;
  if (r.status !== null && r.error === undefined) return r.status;
  return LB_ERROR_STATUS[r.error ?? (r.cluster === "none" ? "no-backend" : "reset")] ?? null;
}

const STATUS_ERROR = /^\d{3}\b/;
const CONNECTION_ERROR = /dial|connect|refused|reset|EOF|timeout|deadline|broken pipe|no such host|too many open files/i;

function sumSummaries(values: readonly LoadSummaryValue[]): { requests: number; statusCounts: Record<string, number>; errors: Record<string, number> } {
  const total = { requests: 0, statusCounts: {} as Record<string, number>, errors: {} as Record<string, number> };
  for (const v of values) {
    total.requests += v.requests;
    for (const [k, c] of Object.entries(v.statusCounts)) bump(total.statusCounts, k, c);
    for (const [k, c] of Object.entries(v.errors)) bump(total.errors, k, c);
  }
  return total;
}

export const loadReconciliation: Check = {
  id: ID,
  description: "vegeta's client-side counts and the load balancer's counts reconcile",
  async check(ctx): Promise<CheckResult> {
    const summaries = ctx.history.filter((op) => op.f === F.loadSummary && op.type === "ok").map((op) => op.value as LoadSummaryValue);
    if (summaries.length === 0) return { id: ID, status: "unknown", message: "no load-summary op in history.jsonl: vegeta's counts were not recorded", evidence: [] };
    const client = sumSummaries(summaries);
    const lb: Record<string, number> = {};
    let lbTotal = 0;
    for await (const r of ctx.requests()) {
      if (!isLoad(r)) continue;
      lbTotal += 1;
      bump(lb, String(lbClientStatus(r) ?? 0));
    }
    const unreached = client.requests - lbTotal;
    const codes = [...new Set([...Object.keys(client.statusCounts), ...Object.keys(lb)])].filter((c) => c !== "0").sort();
    const unexplained: string[] = [];
    const lostDetail: string[] = [];
    let lost = lb["0"] ?? 0;
    for (const code of codes) {
      const diff = (lb[code] ?? 0) - (client.statusCounts[code] ?? 0);
      if (diff < 0) unexplained.push(`vegeta got ${n(-diff)} × status ${code} that the LB never answered`);
      if (diff > 0) { lost += diff; lostDetail.push(`${n(diff)} × ${code}`); }
    }
    const connErrors = Object.entries(client.errors).filter(([m]) => !STATUS_ERROR.test(m) && CONNECTION_ERROR.test(m));
    const connCount = connErrors.reduce((a, [, c]) => a + c, 0);
    if (unreached < 0) unexplained.push(`the LB counted ${n(-unreached)} more load requests than vegeta sent`);
    else if (unreached > connCount) unexplained.push(`${n(unreached)} requests never reached the LB but vegeta reports only ${n(connCount)} connection errors`);
    const errorsText = byCount(Object.fromEntries(connErrors)).map(([m, c]) => `${m} ×${n(c)}`).join("; ");
    const evidence = [
      `vegeta: ${n(client.requests)} requests; by status: ${byCount(client.statusCounts).map(([k, v]) => `${k} ${n(v)}`).join(", ")}`,
      `LB (as answered to the client, 0 = no answer): ${n(lbTotal)} requests; by status: ${byCount(lb).map(([k, v]) => `${k} ${n(v)}`).join(", ") || "none"}`,
      `never reached the LB: ${n(Math.max(0, unreached))}; answered by the LB but not received by vegeta: ${n(lost)}${lostDetail.length ? ` (${lostDetail.join(", ")})` : ""}`,
      `vegeta connection-level errors: ${errorsText || "none"}`,
    ];
    const data = { client, lb: { requests: lbTotal, statusCounts: lb }, unreached: Math.max(0, unreached), answeredNotReceived: lost };
    if (unexplained.length > 0) return { id: ID, status: "fail", message: `counts do not reconcile: ${unexplained.join("; ")}`, evidence: [...evidence, "see requests.jsonl and history.jsonl (f \"load-summary\")"], data };
    const reached = unreached > 0 ? `; the ${n(unreached)} that never reached it are explained by vegeta's connection errors (${errorsText})` : "";
    const lostText = lost > 0 ? `; ${n(lost)} answered by the LB timed out at the client` : "";
    return { id: ID, status: "pass", message: `vegeta sent ${n(client.requests)} requests and the LB counted ${n(lbTotal)}${reached}${lostText}; statuses agree`, evidence, data };
  },
};
