// The new-keyspace path copies the old keyspace with `kong config db_export` / `db_import`: any Admin
// write the old cluster accepts after the export never reaches the new keyspace by itself. Judged on
// what the old nodes themselves logged (their Admin API access logs, read before each one stopped),
// not only on what the harness sent, so a write from outside the harness (an operator's automation)
// counts too. Two modes (`--drift-mode`):
//   freeze (default): Admin writes on the old cluster are refused from the export to the cut-over;
//     any write an old node accepted after the export fails the check.
//   record (expectations "drift"): writes go on; the harness records each one it makes and
//     re-applies it on the new keyspace at the cut-over (op "admin-reapply"). Every recorded write
//     must be re-applied and then present on every new node, and every write the old nodes logged
//     after the export must be one the harness recorded: one it did not cannot have been re-applied.
// A run with nothing to judge (no write attempted after the export, logs not read) is unknown.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { accessLogsReadAfter } from "./no-new-admin-writes-before-finish.ts";
import { F, WRITE_REFUSED, type AccessLogWrite, type AdminReapplyValue, type AdminWriteValue, type EntityCheckValue, type Op } from "./records.ts";
import { ms, n } from "./stats.ts";

const ID = "keyspace-drift";
const SHOWN = 5;

/** entity -> its latest verify-entity verdicts on the new cluster's nodes (node -> op). */
export function latestOnNew(history: readonly Op[], afterMs: number): Map<string, Map<string, Op<EntityCheckValue>>> {
  const latest = new Map<string, Map<string, Op<EntityCheckValue>>>();
  for (const op of history) {
    if (op.f !== F.verifyEntity || op.type !== "ok" || op.timeMs < afterMs || !op.node) continue;
    const v = op as Op<EntityCheckValue>;
    if (v.value.cluster !== "green") continue;
    const byNode = latest.get(v.value.entity) ?? new Map<string, Op<EntityCheckValue>>();
    byNode.set(op.node!, v);
    latest.set(v.value.entity, byNode);
  }
  return latest;
}

const describe = (p: OpPair<AdminWriteValue>): string =>
  `${p.invoke.value.action} ${p.invoke.value.entity} via ${p.invoke.node ?? p.invoke.value.cluster} at ${ms(p.invoke.timeMs)}`;

interface LoggedWrite { readonly node: string; readonly w: AccessLogWrite }
const pathOnly = (path: string): string => path.split("?")[0]!;
const more = (k: number): string => (k > SHOWN ? `, and ${n(k - SHOWN)} more` : "");

/** The old nodes' access logs after the export: the writes they accepted, and why a log cannot be trusted. */
function oldNodeLogs(ctx: CheckContext, exportMs: number): { accepted: LoggedWrite[]; rejected: number; problems: string[]; read: string[] } {
  const { byNode } = accessLogsReadAfter(ctx.history, "blue", exportMs);
  const problems: string[] = [];
  for (const node of ctx.expectations.nodes.blue) {
    const log = byNode.get(node);
    if (!log) problems.push(`${node}: its Admin access log was not read before it stopped`);
    else if (log.error) problems.push(`${node}: log unreadable (${log.error})`);
    else if (!log.markerSeen) problems.push(`${node}: the harness's marker request never showed in its log (is KONG_ADMIN_ACCESS_LOG off or not on stdout?)`);
  }
  const after = [...byNode.values()].flatMap((l) => l.writes.filter((w) => w.atMs >= exportMs).map((w) => ({ node: l.node, w })));
  return { accepted: after.filter((x) => x.w.status < 400), rejected: after.filter((x) => x.w.status >= 400).length, problems, read: [...byNode.keys()] };
}

export const keyspaceDrift: Check = {
  id: ID,
  description: "no Admin write accepted on the old cluster after `kong config db_export` is missing on the new keyspace (frozen, or recorded and re-applied at the cut-over)",
  async check(ctx): Promise<CheckResult> {
    const mode = ctx.expectations.adminWritesAfterExport ?? "freeze";
    const modeName = mode === "drift" ? "record" : "freeze";
    const exp = pairOps(ctx.history, F.configExport).find((p) => p.completion?.type === "ok");
    if (!exp) return { id: ID, status: "unknown", message: "`kong config db_export` never completed: there is no export to drift from", evidence: [] };
    const exportMs = exp.invoke.timeMs;
    const recorded = pairOps<AdminWriteValue>(ctx.history, F.adminWrite).filter((p) => p.invoke.value.cluster === "blue" && p.invoke.timeMs >= exportMs && p.invoke.value.expectRejected === undefined);
    const accepted = recorded.filter((p) => p.completion?.type === "ok");
    const refused = recorded.filter((p) => p.completion?.error === WRITE_REFUSED);
    const unknownOutcome = recorded.filter((p) => p.completion === undefined || p.completion.type === "info");
    const logs = oldNodeLogs(ctx, exportMs);
    const logged = ({ node, w }: LoggedWrite): string => `${w.method} ${w.path} on ${node} at ${ms(w.atMs)} during ${ctx.timeline.label(w.atMs)} (answered ${w.status})`;
    const latest = latestOnNew(ctx.history, exportMs);
    const green = ctx.expectations.nodes.green;
    const missingOn = (p: OpPair<AdminWriteValue>): string[] => green.filter((node) => latest.get(p.invoke.value.entity)?.get(node)?.value.matches !== true);
    const evidence = [
      `mode ${modeName}; export started at ${ms(exportMs)}; ${n(recorded.length)} Admin writes by the harness on the old cluster after it: ${n(accepted.length)} accepted, ${n(refused.length)} refused by the freeze, ${n(unknownOutcome.length)} unknown`,
      `old nodes' Admin access logs after the export: ${logs.read.length ? `${logs.read.join(", ")} read, ${n(logs.accepted.length)} ${logs.accepted.length === 1 ? "write" : "writes"} accepted, ${n(logs.rejected)} answered 4xx/5xx` : "none read"}${logs.problems.length ? `; ${logs.problems.join("; ")}` : ""}`,
      ...logs.accepted.map((x) => `logged: ${logged(x)}`),
    ];
    const dataBase = { mode: modeName, exportMs, attempted: recorded.length, accepted: accepted.length, refused: refused.length, logged: logs.accepted.map((x) => ({ node: x.node, ...x.w })) };

    if (mode === "freeze") {
      const data = { ...dataBase, drift: accepted.map((p) => ({ writeId: p.invoke.value.writeId, entity: p.invoke.value.entity, atMs: p.invoke.timeMs, missingOn: missingOn(p) })) };
      const fail = (what: string): CheckResult => ({ id: ID, status: "fail", message: what, evidence: [...evidence, "see history.jsonl (f \"admin-access-log\", \"admin-write\", \"verify-entity\")"], data });
      if (logs.accepted.length > 0) return fail(`${n(logs.accepted.length)} Admin ${logs.accepted.length === 1 ? "write" : "writes"} slipped through the freeze after the export (the old nodes' access logs): ${logs.accepted.slice(0, SHOWN).map(logged).join("; ")}${more(logs.accepted.length)}`);
      if (accepted.length > 0) {
        const line = (p: OpPair<AdminWriteValue>): string => { const m = missingOn(p); return `${describe(p)}: ${m.length ? `missing on ${m.join(", ")}` : "present on every new node"}`; };
        return fail(`${n(accepted.length)} Admin ${accepted.length === 1 ? "write" : "writes"} slipped through the freeze after the export: ${accepted.slice(0, SHOWN).map(line).join("; ")}${more(accepted.length)}`);
      }
      if (logs.problems.length > 0) return { id: ID, status: "unknown", message: `what reached the old nodes after the export is not known: ${logs.problems.join("; ")}`, evidence, data };
      if (refused.length === 0) return { id: ID, status: "unknown", message: "no Admin write was attempted on the old cluster between the export and the cut-over: the freeze was not exercised", evidence, data };
      return {
        id: ID, status: "pass",
        message: `Admin writes frozen from the export to the cut-over: the access logs of ${logs.read.join(", ")} show no write accepted after the export, and the harness's ${n(refused.length)} attempted writes were refused`,
        evidence, data,
      };
    }

    // record: each recorded write re-applied on the new keyspace and present there; no write unrecorded.
    const reapplied = new Map(pairOps<AdminReapplyValue>(ctx.history, F.adminReapply).map((p) => [p.invoke.value.writeId, p]));
    const notReapplied = accepted.filter((p) => reapplied.get(p.invoke.value.writeId)?.completion?.type !== "ok");
    const missing = accepted.filter((p) => !notReapplied.includes(p) && missingOn(p).length > 0);
    // A logged write is the harness's when a recorded write after the export has its method and path (each matches once).
    const unmatched = new Map<string, number>();
    for (const p of recorded) {
      const key = `${p.invoke.value.method ?? "?"} ${p.invoke.value.path ?? "?"}`;
      unmatched.set(key, (unmatched.get(key) ?? 0) + 1);
    }
    const unrecorded = logs.accepted.filter(({ w }) => {
      const key = `${w.method} ${pathOnly(w.path)}`;
      const left = unmatched.get(key) ?? 0;
      if (left > 0) unmatched.set(key, left - 1);
      return left === 0;
    });
    const reapplyText = (p: OpPair<AdminWriteValue>): string => {
      const r = reapplied.get(p.invoke.value.writeId);
      return `${describe(p)}: ${r ? `re-applied on ${r.invoke.node ?? "the new cluster"}, ${r.completion?.type === "fail" ? `refused (${r.completion.error ?? "error"})` : "outcome unknown"}` : "never re-applied"}`;
    };
    const data = {
      ...dataBase, unrecorded: unrecorded.map((x) => ({ node: x.node, ...x.w })),
      drift: accepted.map((p) => ({ writeId: p.invoke.value.writeId, entity: p.invoke.value.entity, action: p.invoke.value.action, atMs: p.invoke.timeMs, reapplied: reapplied.get(p.invoke.value.writeId)?.completion?.type ?? null, missingOn: missingOn(p) })),
    };
    evidence.push(...accepted.map((p) => `drift: ${notReapplied.includes(p) ? reapplyText(p) : `${describe(p)}: re-applied, ${missingOn(p).length ? `missing on ${missingOn(p).join(", ")}` : "present on every new node"}`}`));
    const problems = [
      ...(unrecorded.length ? [`${n(unrecorded.length)} ${unrecorded.length === 1 ? "write" : "writes"} reached the old cluster after the export without being recorded, so never re-applied on the new keyspace: ${unrecorded.slice(0, SHOWN).map(logged).join("; ")}${more(unrecorded.length)}`] : []),
      ...(notReapplied.length ? [`${n(notReapplied.length)} recorded ${notReapplied.length === 1 ? "write was" : "writes were"} not re-applied: ${notReapplied.slice(0, SHOWN).map(reapplyText).join("; ")}${more(notReapplied.length)}`] : []),
      ...(missing.length ? [`${n(missing.length)} re-applied ${missing.length === 1 ? "write is" : "writes are"} missing on the new keyspace: ${missing.slice(0, SHOWN).map((p) => `${describe(p)}: missing on ${missingOn(p).join(", ")}`).join("; ")}${more(missing.length)}`] : []),
    ];
    if (problems.length > 0) return { id: ID, status: "fail", message: `Admin writes made on the old cluster after the export are missing on the new keyspace: ${problems.join(". ")}`, evidence: [...evidence, "see history.jsonl (f \"admin-access-log\", \"admin-write\", \"admin-reapply\", \"verify-entity\")"], data };
    if (logs.problems.length > 0) return { id: ID, status: "unknown", message: `every recorded write was re-applied, but what else reached the old nodes after the export is not known: ${logs.problems.join("; ")}`, evidence, data };
    if (accepted.length === 0) return { id: ID, status: "unknown", message: "no Admin write was accepted on the old cluster after the export: record mode had nothing to re-apply", evidence, data };
    return {
      id: ID, status: "pass",
      message: `all ${n(accepted.length)} Admin writes accepted on the old cluster after the export were re-applied on the new keyspace and are present on every new node; the access logs of ${logs.read.join(", ")} show no other write`,
      evidence, data,
    };
  },
};
