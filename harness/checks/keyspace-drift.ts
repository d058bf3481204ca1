// The new-keyspace path copies the old keyspace with `kong config db_export` / `db_import`: any Admin
// write the old cluster accepts after the export never reaches the new keyspace. The scenario either
// freezes Admin writes from the export to the cut-over (default: then any accepted write fails this
// check), or lets them happen and lists them as drift (then each must be present on the new cluster,
// re-applied by the operator, or the check fails naming the write).
import type { Check, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { F, WRITE_REFUSED, type AdminWriteValue, type EntityCheckValue, type Op } from "./records.ts";
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

export const keyspaceDrift: Check = {
  id: ID,
  description: "no Admin write accepted on the old cluster after `kong config db_export` is missing on the new keyspace (frozen, or listed as drift)",
  async check(ctx): Promise<CheckResult> {
    const mode = ctx.expectations.adminWritesAfterExport ?? "freeze";
    const exp = pairOps(ctx.history, F.configExport).find((p) => p.completion?.type === "ok");
    if (!exp) return { id: ID, status: "unknown", message: "`kong config db_export` never completed: there is no export to drift from", evidence: [] };
    const exportMs = exp.invoke.timeMs;
    const after = pairOps<AdminWriteValue>(ctx.history, F.adminWrite).filter((p) => p.invoke.value.cluster === "blue" && p.invoke.timeMs >= exportMs && p.invoke.value.expectRejected === undefined);
    const accepted = after.filter((p) => p.completion?.type === "ok");
    const refused = after.filter((p) => p.completion?.error === WRITE_REFUSED);
    const unknownOutcome = after.filter((p) => p.completion === undefined || p.completion.type === "info");
    const latest = latestOnNew(ctx.history, exportMs);
    const green = ctx.expectations.nodes.green;
    const missingOn = (p: OpPair<AdminWriteValue>): string[] => green.filter((node) => latest.get(p.invoke.value.entity)?.get(node)?.value.matches !== true);
    const missing = accepted.filter((p) => missingOn(p).length > 0);
    const line = (p: OpPair<AdminWriteValue>): string => {
      const m = missingOn(p);
      return `${describe(p)}: ${m.length ? `missing on ${m.join(", ")}` : "present on every new node"}`;
    };
    const evidence = [
      `mode ${mode}; export started at ${ms(exportMs)}; ${n(after.length)} Admin writes on the old cluster after it: ${n(accepted.length)} accepted, ${n(refused.length)} refused by the freeze, ${n(unknownOutcome.length)} unknown`,
      ...accepted.map((p) => `drift: ${line(p)}`),
    ];
    const data = { mode, exportMs, attempted: after.length, accepted: accepted.length, refused: refused.length, drift: accepted.map((p) => ({ writeId: p.invoke.value.writeId, entity: p.invoke.value.entity, action: p.invoke.value.action, atMs: p.invoke.timeMs, missingOn: missingOn(p) })) };
    const more = (k: number): string => (k > SHOWN ? `, and ${n(k - SHOWN)} more` : "");
    if (mode === "freeze") {
      if (accepted.length > 0) return { id: ID, status: "fail", message: `${n(accepted.length)} Admin ${accepted.length === 1 ? "write" : "writes"} slipped through the freeze after the export: ${accepted.slice(0, SHOWN).map(line).join("; ")}${more(accepted.length)}`, evidence: [...evidence, "see history.jsonl (f \"admin-write\", \"verify-entity\")"], data };
      if (refused.length === 0) return { id: ID, status: "unknown", message: "no Admin write was attempted on the old cluster between the export and the cut-over: the freeze was not exercised", evidence, data };
      return { id: ID, status: "pass", message: `Admin writes frozen from the export to the cut-over: all ${n(refused.length)} attempted writes were refused, none can be missing on the new keyspace`, evidence, data };
    }
    if (missing.length > 0) return { id: ID, status: "fail", message: `${n(missing.length)} of ${n(accepted.length)} Admin writes made on the old cluster after the export are missing on the new keyspace: ${missing.slice(0, SHOWN).map(line).join("; ")}${more(missing.length)}`, evidence: [...evidence, "see history.jsonl (f \"admin-write\", \"verify-entity\")"], data };
    if (accepted.length === 0) return { id: ID, status: "pass", message: "no drift: no Admin write was accepted on the old cluster after the export", evidence, data };
    return { id: ID, status: "pass", message: `all ${n(accepted.length)} Admin writes made after the export are present on every new node`, evidence, data };
  },
};
