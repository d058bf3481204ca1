// A migration command killed and re-run must end where a clean run ends: the same schema_meta and
// the same data fingerprint; every re-run that printed the "aborted" line must have been followed
// by a state check; and `up` and `finish` run again afterwards must change nothing.
import type { Check, CheckResult } from "./check.ts";
import { compareStates } from "./fingerprint-compare.ts";
import { F, type ConcurrentUpsValue, type DatastoreState, type MigrationRecoveryValue, type Op } from "./records.ts";

const ID = "migration-recovery";

/** What `up` and `finish` print when there is nothing left to do. */
export const NOOP_LINES = { up: "Database is already up-to-date", finish: "No pending migrations to finish" } as const;

/** Every problem with one recovery, in words; empty when it ended like the clean run. */
export function verifyRecovery(v: MigrationRecoveryValue): string[] {
  const out: string[] = [];
  const after = `after the killed \`${v.fault.command}\` was re-run`;
  out.push(...compareStates(v.reference, v.recovered, { expected: "clean run", actual: "re-run" }).map((d) => `${after}: ${d}`));
  v.reruns.forEach((r, i) => {
    if (r.aborted && v.reruns[i + 1]?.command !== "list") out.push(`re-run ${i + 1} (\`${r.command}\`) printed the aborted line and no state check followed it`);
  });
  const last = [...v.reruns].reverse().find((r) => r.command === v.fault.command);
  if (!last || last.exitCode !== 0 || last.aborted) out.push(`the re-runs of \`${v.fault.command}\` never completed: last ${last ? `exited ${last.exitCode}: ${last.line}` : "did not run"}`);
  out.push(...compareStates(v.referenceFinal, v.beforeNoop, { expected: "clean run's finish", actual: "procedure" }).map((d) => `after finish: ${d}`));
  for (const cmd of ["up", "finish"] as const) {
    const r = v.noop.find((x) => x.command === cmd);
    if (!r) out.push(`\`${cmd}\` was not run again`);
    else if (r.exitCode !== 0 || r.line !== NOOP_LINES[cmd]) out.push(`\`${cmd}\` run again is not a no-op: exited ${r.exitCode}, printed "${r.line}" (expected "${NOOP_LINES[cmd]}")`);
  }
  out.push(...compareStates(v.beforeNoop, v.afterNoop, { expected: "procedure", actual: "no-op runs" }).map((d) => `\`up\`/\`finish\` run again changed the datastore: ${d}`));
  return out;
}

/** Concurrent `up` runs: exactly one migrated, the others aborted (exit 0), and the state is the clean run's. */
export function verifyConcurrentUps(v: ConcurrentUpsValue, reference: DatastoreState): string[] {
  const out: string[] = [];
  const migrated = v.runs.filter((r) => r.migrated).length;
  if (migrated !== 1) out.push(`${migrated} of ${v.runs.length} concurrent \`up\` runs migrated; exactly one must`);
  v.runs.filter((r) => !r.migrated).forEach((r) => {
    if (r.exitCode !== 0 || !r.aborted) out.push(`a concurrent \`up\` that did not migrate exited ${r.exitCode}: ${r.line} (expected the aborted line, exit 0)`);
  });
  out.push(...compareStates(reference, v.state, { expected: "clean run", actual: "concurrent runs" }).map((d) => `after the concurrent \`up\` runs: ${d}`));
  return out;
}

export const migrationRecovery: Check = {
  id: ID,
  description: "a killed `kong migrations up`/`finish`, re-run, ends like a clean run, and running both again changes nothing",
  async check(ctx): Promise<CheckResult> {
    const ops = ctx.history.filter((op) => op.f === F.migrationRecovery && op.type === "ok") as Op<MigrationRecoveryValue>[];
    if (ops.length === 0) return { id: ID, status: "unknown", message: "no killed migration command was re-run and verified in this run", evidence: [] };
    const problems = ops.flatMap((op) => verifyRecovery(op.value).map((p) => `${op.value.fault.command} ${op.value.fault.kind}@${op.value.fault.point}: ${p}`));
    const faults = ops.map((op) => `${op.value.fault.command} ${op.value.fault.kind}@${op.value.fault.point} (exit ${op.value.fault.exitCode}, ${op.value.reruns.length} re-run steps)`);
    return problems.length === 0
      ? { id: ID, status: "pass", message: `${ops.length} killed migration command(s) re-run: same schema_meta and data fingerprint as a clean run, and up/finish again are no-ops`, evidence: faults }
      : { id: ID, status: "fail", message: `${problems.length} difference(s) from a clean run: ${problems[0]}`, evidence: [...problems, "see history.jsonl (op migration-recovery)"] };
  },
};
