// No Admin API write may be sent to a green (new) node before `kong migrations finish` completed
// (the first ok of op "migrations-finish"). Writes the harness's guard refused were never sent.
import type { Check, CheckResult } from "./check.ts";
import { pairOps } from "./history.ts";
import { F, WRITE_REFUSED, type AdminWriteValue } from "./records.ts";
import { ms, n } from "./stats.ts";
import { firstOkTime } from "./timeline.ts";

const ID = "no-new-admin-writes-before-finish";

export const noNewAdminWritesBeforeFinish: Check = {
  id: ID,
  description: "no Admin API write sent to a new node before `kong migrations finish` completed",
  async check(ctx): Promise<CheckResult> {
    const writes = pairOps<AdminWriteValue>(ctx.history, F.adminWrite);
    if (writes.length === 0) return { id: ID, status: "unknown", message: "no Admin writes in history.jsonl: the admin writer did not run", evidence: [] };
    const finishedMs = firstOkTime(ctx.history, F.migrationsFinish);
    const green = new Set(ctx.expectations.nodes.green);
    const toGreen = writes.filter((p) => p.invoke.value.cluster === "green" || (p.invoke.node !== undefined && green.has(p.invoke.node)));
    const refused = toGreen.filter((p) => p.completion?.error === WRITE_REFUSED);
    const sent = toGreen.filter((p) => p.completion?.error !== WRITE_REFUSED);
    const early = sent.filter((p) => finishedMs === undefined || p.invoke.timeMs < finishedMs);
    const finishText = finishedMs === undefined ? "migrations finish never completed" : `migrations finish completed at ${ms(finishedMs)}`;
    const evidence = [
      `${finishText}; ${n(writes.length)} writes in all, ${n(toGreen.length)} addressed to the new cluster (${n(refused.length)} refused by the harness's guard)`,
      ...early.map((p) => `write ${p.invoke.value.writeId} (${p.invoke.value.action} ${p.invoke.value.entity}) sent to ${p.invoke.node ?? "green"} at ${ms(p.invoke.timeMs)} during ${ctx.timeline.labelOp(p.invoke)}, outcome ${p.completion?.type ?? "unknown"}`),
    ];
    const data = { finishedMs: finishedMs ?? null, toGreen: toGreen.length, refused: refused.length, early: early.map((p) => p.invoke) };
    if (early.length > 0) {
      const first = early[0]!;
      return {
        id: ID, status: "fail",
        message: `${n(early.length)} Admin ${early.length === 1 ? "write was" : "writes were"} sent to the new cluster before finish (${finishText}); first: ${first.invoke.value.action} ${first.invoke.value.entity} to ${first.invoke.node ?? "green"} at ${ms(first.invoke.timeMs)} during ${ctx.timeline.labelOp(first.invoke)}`,
        evidence: [...evidence, "see history.jsonl (f \"admin-write\")"], data,
      };
    }
    const refusedText = refused.length ? `; ${n(refused.length)} refused by the harness's guard` : "";
    return { id: ID, status: "pass", message: `no Admin write reached the new cluster before finish (${finishText}${refusedText})`, evidence, data };
  },
};
