// `kong migrations up` must only add: between two consecutive schema snapshots, when the
// migration commands that ran in between include `up` and not `finish`, any dropped, renamed or
// retyped table or column fails, naming the `up` that ran in between (its image and phase).
// Constraint, index and row-count changes are reported. Every consecutive diff goes into the data
// for the report.
import type { Check, CheckResult } from "./check.ts";
import { F, type Op } from "./records.ts";
import { destructiveChanges, diffSnapshots, reportedChanges, type SchemaDiff, type SchemaSnapshotValue } from "./schema-snapshot.ts";

const ID = "schema-only-adds";

export interface PhaseDiff {
  readonly from: string;
  readonly to: string;
  /** Migration commands that completed between the two snapshots. */
  readonly commands: readonly string[];
  readonly judged: boolean;
  readonly destructive: readonly string[];
  readonly reported: readonly string[];
  readonly diff: SchemaDiff;
}

const MIGRATIONS: readonly string[] = [F.migrationsBootstrap, F.migrationsUp, F.migrationsFinish];

export function schemaDiffs(history: readonly Op[]): PhaseDiff[] {
  const snaps = history.filter((op) => op.f === F.schemaSnapshot && op.type === "ok") as Op<SchemaSnapshotValue>[];
  return snaps.slice(1).map((after, i) => {
    const before = snaps[i]!;
    const commands = history
      .filter((op) => MIGRATIONS.includes(op.f) && op.type !== "invoke" && op.timeMs >= before.timeMs && op.timeMs <= after.timeMs && op.index > before.index && op.index < after.index)
      .map((op) => op.f);
    const diff = diffSnapshots(before.value.snapshot, after.value.snapshot);
    const judged = commands.includes(F.migrationsUp) && !commands.includes(F.migrationsFinish);
    return { from: before.value.label, to: after.value.label, commands, judged, destructive: destructiveChanges(diff), reported: reportedChanges(diff), diff };
  });
}

/** Which `up` ran between a diff's snapshots: "`kong migrations up` with <image> (during <phase>)". */
function upsBetween(history: readonly Op[], d: PhaseDiff, label: (op: Op) => string): string {
  const snaps = history.filter((op) => op.f === F.schemaSnapshot && op.type === "ok") as Op<SchemaSnapshotValue>[];
  const i = snaps.findIndex((op, k) => k > 0 && op.value.label === d.to && snaps[k - 1]!.value.label === d.from);
  const [before, after] = [snaps[i - 1], snaps[i]];
  const ups = before && after ? history.filter((op) => op.f === F.migrationsUp && op.type !== "invoke" && op.index > before.index && op.index < after.index) : [];
  if (ups.length === 0) return "it";
  return ups.map((op) => `\`kong migrations up\` with ${String((op.value as { image?: unknown } | undefined)?.image ?? "(unknown image)")} (during ${label(op)})`).join(" and ");
}

export const schemaOnlyAdds: Check = {
  id: ID,
  description: "`kong migrations up` only adds: no table or column dropped, renamed or retyped",
  async check(ctx): Promise<CheckResult> {
    const diffs = schemaDiffs(ctx.history);
    const evidence = diffs.flatMap((d) => [
      `${d.from} -> ${d.to} (${d.commands.join(", ") || "no migration command"})${d.judged ? "" : ", reported only"}:`,
      ...[...d.destructive, ...d.reported].map((line) => `  ${line}`),
    ]);
    const data = { diffs };
    const bad = diffs.filter((d) => d.judged && d.destructive.length > 0);
    if (bad.length > 0) {
      const text = bad.map((d) => `between ${d.from} and ${d.to} ${upsBetween(ctx.history, d, (op) => ctx.timeline.labelOp(op))} ${d.destructive.join(", ")}`).join("; ");
      return { id: ID, status: "fail", message: `\`up\` must only add, but ${text}`, evidence: [...evidence, "see history.jsonl (f \"schema-snapshot\")"], data };
    }
    const judged = diffs.filter((d) => d.judged);
    if (judged.length === 0) return { id: ID, status: "unknown", message: "no pair of schema snapshots around `migrations up` in history.jsonl", evidence, data };
    const added = judged.reduce((a, d) => a + d.reported.length, 0);
    return { id: ID, status: "pass", message: `\`up\` only added (${added} reported changes across ${judged.length} snapshot ${judged.length === 1 ? "pair" : "pairs"})`, evidence, data };
  },
};
