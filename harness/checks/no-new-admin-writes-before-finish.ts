// No Admin API write may reach a green (new) node before `kong migrations finish` completed (the
// first ok of op "migrations-finish"). Judged on what the new nodes themselves logged, not on the
// harness's own client (which refuses such writes before sending): each new node's Admin API access
// log, read once finish completed (op "admin-access-log", cluster green). Any request other than
// GET/HEAD/OPTIONS that a new node logged before finish completed fails the check, whoever sent it.
import type { Check, CheckResult } from "./check.ts";
import { F, type AccessLogWrite, type AdminAccessLogValue, type NodeAccessLog, type Op } from "./records.ts";
import { ms, n } from "./stats.ts";
import { firstOkTime } from "./timeline.ts";

const ID = "no-new-admin-writes-before-finish";
const SHOWN = 5;

export interface AccessLogReads {
  /** How many reads of the cluster's logs were recorded (a read of a cluster with no running node counts). */
  readonly reads: number;
  /** Each node's latest read (logs only grow: the latest read holds every earlier line). */
  readonly byNode: ReadonlyMap<string, NodeAccessLog>;
}

/** The Admin access logs of a cluster's nodes read at or after `fromMs`. */
export function accessLogsReadAfter(history: readonly Op[], cluster: "blue" | "green", fromMs: number): AccessLogReads {
  const byNode = new Map<string, NodeAccessLog>();
  let reads = 0;
  for (const op of history) {
    if (op.f !== F.adminAccessLog || op.type !== "ok" || op.timeMs < fromMs) continue;
    const v = op.value as AdminAccessLogValue;
    if (v.cluster !== cluster) continue;
    reads++;
    for (const node of v.nodes) byNode.set(node.node, node);
  }
  return { reads, byNode };
}

export const noNewAdminWritesBeforeFinish: Check = {
  id: ID,
  description: "no Admin API write reached a new node before `kong migrations finish` completed (the new nodes' Admin access logs)",
  async check(ctx): Promise<CheckResult> {
    const finishedMs = firstOkTime(ctx.history, F.migrationsFinish);
    if (finishedMs === undefined) return { id: ID, status: "unknown", message: "`kong migrations finish` never completed: there is no \"before finish\" to judge", evidence: [] };
    const logs = accessLogsReadAfter(ctx.history, "green", finishedMs);
    if (logs.reads === 0) return { id: ID, status: "unknown", message: `the new nodes' Admin access logs were not read after finish (completed at ${ms(finishedMs)})`, evidence: [], data: { finishedMs } };
    const read = [...logs.byNode.values()];
    const early = read.flatMap((l) => l.writes.filter((w) => w.atMs < finishedMs).map((w) => ({ node: l.node, w })));
    const describe = ({ node, w }: { node: string; w: AccessLogWrite }): string =>
      `${w.method} ${w.path} reached ${node} at ${ms(w.atMs)} during ${ctx.timeline.label(w.atMs)} (answered ${w.status})`;
    const unreadable = read.filter((l) => l.error !== undefined || !l.markerSeen);
    const readable = read.filter((l) => !unreadable.includes(l));
    // A node of the run's new cluster absent from every read was not running when the logs were
    // read; when none was running at all (in place: new nodes start after finish), none existed before.
    const notRead = read.length === 0 ? [] : ctx.expectations.nodes.green.filter((node) => !logs.byNode.has(node));
    const evidence = [
      `migrations finish completed at ${ms(finishedMs)}; Admin access logs read after it: ${read.length ? read.map((l) => `${l.node} ${l.error ? `unreadable (${l.error})` : `${n(l.requests)} requests, ${n(l.writes.length)} ${l.writes.length === 1 ? "write" : "writes"}${l.markerSeen ? "" : ", the harness's marker request missing"}`}`).join("; ") : "no new node was running"}`,
      ...early.map((e) => `before finish: ${describe(e)}`),
    ];
    const data = { finishedMs, nodes: read.map((l) => ({ node: l.node, requests: l.requests, markerSeen: l.markerSeen, writes: l.writes.length, ...(l.error ? { error: l.error } : {}) })), early };
    if (early.length > 0) {
      const more = early.length > SHOWN ? `, and ${n(early.length - SHOWN)} more` : "";
      return {
        id: ID, status: "fail",
        message: `${n(early.length)} Admin ${early.length === 1 ? "write" : "writes"} reached the new cluster before \`kong migrations finish\` completed at ${ms(finishedMs)}: ${early.slice(0, SHOWN).map(describe).join("; ")}${more}`,
        evidence: [...evidence, "see history.jsonl (f \"admin-access-log\")"], data,
      };
    }
    if (unreadable.length > 0 || notRead.length > 0) {
      const why = [
        ...unreadable.map((l) => `${l.node}: ${l.error ? `log unreadable (${l.error})` : "the harness's marker request never showed in its log (is KONG_ADMIN_ACCESS_LOG off or not on stdout?)"}`),
        ...notRead.map((node) => `${node}: not running when the logs were read`),
      ];
      return { id: ID, status: "unknown", message: `no write before finish in the logs read, but ${n(why.length)} new ${why.length === 1 ? "node's log is" : "nodes' logs are"} missing: ${why.join("; ")}`, evidence, data };
    }
    if (read.length === 0) return { id: ID, status: "pass", message: `no new node was running before \`kong migrations finish\` completed at ${ms(finishedMs)}: none could take an Admin write before it`, evidence, data };
    return {
      id: ID, status: "pass",
      message: `no Admin write reached the new cluster before \`kong migrations finish\` completed at ${ms(finishedMs)}: the Admin access logs of ${readable.map((l) => l.node).join(", ")} show ${n(readable.reduce((s, l) => s + l.requests, 0))} requests, none a write before finish`,
      evidence, data,
    };
  },
};
