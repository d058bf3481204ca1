// vegeta's client-side counts (op "load-summary") against the load balancer's records.
// Per status code the LB's answers must cover the client's exactly: a status vegeta saw that the
// LB never sent is unexplained. An answer the LB sent that vegeta never received (a status the LB
// answered more often than vegeta counted it, or a request the LB saw that vegeta never reported
// at all: the load generator died or lost its results) fails: nothing else would notice that the
// client got no answer. Requests that never reached the LB (vegeta total - LB total) must be
// covered by vegeta's connection-level errors. A summary of 0 requests is no evidence: unknown.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { F, type LoadSummaryValue, type RequestLine } from "./records.ts";
import { isLoad } from "./requests.ts";
import { bump, byCount, ms, n } from "./stats.ts";

const ID = "load-reconciliation";
const MESSAGE_GROUPS = 4;
/** An LB answer this much after vegeta's last one cannot be among vegeta's results (the two clocks are one machine's). */
const AFTER_LAST_SLACK_MS = 50;

/** Status the LB answered to the client when the record does not say (clientStatus absent). */
const LB_ERROR_STATUS: Record<string, number> = { connect: 502, reset: 502, timeout: 504, "no-backend": 503 };

export function lbClientStatus(r: RequestLine): number | null {
  if (r.clientStatus !== undefined) return r.clientStatus;
  if (r.status !== null && r.error === undefined) return r.status;
  return LB_ERROR_STATUS[r.error ?? (r.cluster === "none" ? "no-backend" : "reset")] ?? null;
}

const STATUS_ERROR = /^\d{3}\b/;
const CONNECTION_ERROR = /dial|connect|refused|reset|EOF|timeout|deadline|broken pipe|no such host|too many open files/i;

interface ClientCounts { requests: number; statusCounts: Record<string, number>; errors: Record<string, number>; lastAnswerEpochMs?: number; failures: string[] }

function sumSummaries(values: readonly LoadSummaryValue[]): ClientCounts {
  const total: ClientCounts = { requests: 0, statusCounts: {}, errors: {}, failures: [] };
  for (const v of values) {
    total.requests += v.requests;
    for (const [k, c] of Object.entries(v.statusCounts)) bump(total.statusCounts, k, c);
    for (const [k, c] of Object.entries(v.errors)) bump(total.errors, k, c);
    if (v.lastAnswerEpochMs !== undefined) total.lastAnswerEpochMs = Math.max(total.lastAnswerEpochMs ?? -Infinity, v.lastAnswerEpochMs);
    if (v.failure) total.failures.push(v.failure);
  }
  return total;
}

interface LbCounts {
  total: number;
  /**
   * Requests the LB closed without an answer and without a log line (records marked `unlogged`):
   * the client's connection was closed as if idle, so an HTTP client sends the request again and
   * counts it once. Not among the LB's requests to reconcile; zero-failed-requests judges them.
   */
  unlogged: number;
  /** By the status answered to the client; "0" = no answer. */
  byStatus: Record<string, number>;
  /** LB answers that ended after vegeta's last answer: by status, and by "step/phase on node". */
  afterLast: number;
  afterLastByStatus: Record<string, number>;
  afterLastGroups: Record<string, number>;
  afterLastFromMs: number;
}

/** The LB's load records; `lastAnswerMs` (run clock) is vegeta's last answer, if known. */
async function countLb(ctx: CheckContext, lastAnswerMs: number | undefined): Promise<LbCounts> {
  const lb: LbCounts = { total: 0, unlogged: 0, byStatus: {}, afterLast: 0, afterLastByStatus: {}, afterLastGroups: {}, afterLastFromMs: Infinity };
  for await (const r of ctx.requests()) {
    if (!isLoad(r)) continue;
    if (r.unlogged !== undefined) {
      lb.unlogged += 1;
      continue;
    }
    lb.total += 1;
    const status = lbClientStatus(r);
    bump(lb.byStatus, String(status ?? 0));
    if (status === null || lastAnswerMs === undefined || r.endMs <= lastAnswerMs + AFTER_LAST_SLACK_MS) continue;
    lb.afterLast += 1;
    lb.afterLastFromMs = Math.min(lb.afterLastFromMs, r.endMs);
    bump(lb.afterLastByStatus, String(status));
    bump(lb.afterLastGroups, `during ${ctx.timeline.label(r.startMs)} on ${r.node ?? "no node"}`);
  }
  return lb;
}

const counts = (c: Readonly<Record<string, number>>, sep = " "): string => byCount(c).map(([k, v]) => `${k}${sep}${n(v)}`).join(", ");

export const loadReconciliation: Check = {
  id: ID,
  description: "vegeta's client-side counts and the load balancer's reconcile: every answer the LB sent reached vegeta, every status vegeta saw came from the LB",
  async check(ctx): Promise<CheckResult> {
    const summaries = ctx.history.filter((op) => op.f === F.loadSummary && op.type === "ok").map((op) => op.value as LoadSummaryValue);
    if (summaries.length === 0) return { id: ID, status: "unknown", message: "no load-summary op in history.jsonl: vegeta's counts were not recorded", evidence: [] };
    const client = sumSummaries(summaries);
    const origin = ctx.expectations.clockOriginEpochMs;
    const lastAnswerMs = client.lastAnswerEpochMs !== undefined && origin !== undefined ? client.lastAnswerEpochMs - origin : undefined;
    const lb = await countLb(ctx, lastAnswerMs);
    const failed = client.failures.length ? `vegeta ${client.failures.join(", ")} before it was stopped` : "";
    if (client.requests === 0) {
      return { id: ID, status: "unknown", message: `vegeta's summary counts 0 requests${failed ? ` (${failed})` : ""}: the load sent nothing, so there is nothing to reconcile (the LB counted ${n(lb.total)})`, evidence: [], data: { client, lb } };
    }
    const unreached = client.requests - lb.total;
    const codes = [...new Set([...Object.keys(client.statusCounts), ...Object.keys(lb.byStatus)])].filter((c) => c !== "0").sort();
    const unexplained: string[] = [];
    const notReceived: Record<string, number> = {};
    for (const code of codes) {
      const diff = (lb.byStatus[code] ?? 0) - (client.statusCounts[code] ?? 0);
      if (diff < 0) unexplained.push(`vegeta got ${n(-diff)} × status ${code} that the LB never answered`);
      if (diff > 0) notReceived[code] = diff;
    }
    const lost = Object.values(notReceived).reduce((a, c) => a + c, 0);
    const connErrors = Object.entries(client.errors).filter(([m]) => !STATUS_ERROR.test(m) && CONNECTION_ERROR.test(m));
    const connCount = connErrors.reduce((a, [, c]) => a + c, 0);
    const errorsText = byCount(Object.fromEntries(connErrors)).map(([m, c]) => `${m} ×${n(c)}`).join("; ");
    if (lost > 0) {
      const groups = byCount(lb.afterLastGroups);
      const where = lb.afterLast > 0
        ? `; ${n(lb.afterLast)} of the LB's answers (${counts(lb.afterLastByStatus, " ×")}) came after vegeta's last answer at ${ms(lastAnswerMs!)}, from ${ms(lb.afterLastFromMs)}: ${groups.slice(0, MESSAGE_GROUPS).map(([g, c]) => `${n(c)} ${g}`).join(", ")}${groups.length > MESSAGE_GROUPS ? `, and ${n(groups.length - MESSAGE_GROUPS)} more groups` : ""}`
        : "";
      const unreported = unreached < 0 ? `; vegeta never reported ${n(-unreached)} of the requests the LB saw` : "";
      unexplained.push(`the LB answered ${n(lost)} load ${lost === 1 ? "request" : "requests"} that vegeta never received (${counts(notReceived, " ×")})${unreported}${where}`);
    } else if (unreached < 0) {
      unexplained.push(`the LB counted ${n(-unreached)} more load requests than vegeta reported (requests vegeta never reported at all)`);
    } else if (unreached > connCount) {
      unexplained.push(`${n(unreached)} requests never reached the LB but vegeta reports only ${n(connCount)} connection errors`);
    }
    if (failed && unexplained.length > 0) unexplained.push(failed);
    const evidence = [
      `vegeta: ${n(client.requests)} requests; by status: ${counts(client.statusCounts)}${lastAnswerMs !== undefined ? `; last answer at ${ms(lastAnswerMs)}` : ""}${failed ? `; ${failed}` : ""}`,
      `LB (as answered to the client, 0 = no answer): ${n(lb.total)} requests; by status: ${counts(lb.byStatus) || "none"}`,
      `never reached the LB: ${n(Math.max(0, unreached))}; answered by the LB but not received by vegeta: ${n(lost)}${lost ? ` (${counts(notReceived, " ×")})` : ""}; LB answers after vegeta's last answer: ${lastAnswerMs === undefined ? "(not recorded)" : n(lb.afterLast)}`,
      `vegeta connection-level errors: ${errorsText || "none"}`,
      ...(lb.unlogged > 0 ? [`${n(lb.unlogged)} requests the LB closed silently, without an answer or a log line (a node closed the connection before answering; the client sent them again): not reconciled here, judged by zero-failed-requests`] : []),
      ...byCount(lb.afterLastGroups).map(([g, c]) => `${n(c)} LB answers after vegeta's last answer ${g}`),
    ];
    const data = { client, lb: { requests: lb.total, unlogged: lb.unlogged, statusCounts: lb.byStatus, afterLastAnswer: lb.afterLast, afterLastAnswerGroups: lb.afterLastGroups }, unreached: Math.max(0, unreached), answeredNotReceived: lost };
    if (unexplained.length > 0) return { id: ID, status: "fail", message: `counts do not reconcile: ${unexplained.join("; ")}`, evidence: [...evidence, "see requests.jsonl and history.jsonl (f \"load-summary\")"], data };
    const reached = unreached > 0 ? `; the ${n(unreached)} that never reached it are explained by vegeta's connection errors (${errorsText})` : "";
    const gone = lb.byStatus["0"] ? `; ${n(lb.byStatus["0"])} the LB never answered (the client left) are among vegeta's errors` : "";
    return { id: ID, status: "pass", message: `vegeta sent ${n(client.requests)} requests and the LB counted ${n(lb.total)}${reached}${gone}; statuses agree, every answer reached vegeta`, evidence, data };
  },
};
