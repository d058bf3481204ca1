// `schema_meta` read directly (op "schema-meta") must agree with `kong migrations list` run with
// the new binary (op "migrations-list") for every subsystem the binary lists. Each list is paired
// with the nearest schema_meta read that no migration command separates from it.
import type { Check, CheckResult } from "./check.ts";
import { pairOps } from "./history.ts";
import { listedSubsystems, parseMigrationsList, type MigrationsListing } from "./migrations-list.ts";
import { F, type MigrationCommandValue, type Op, type SchemaMetaRow, type SchemaMetaValue } from "./records.ts";

const ID = "schema-meta-consistent";
/** Disagreements named in the message; all of them are in the evidence. */
const MESSAGE_PROBLEMS = 5;
const CHANGERS: readonly string[] = [F.migrationsBootstrap, F.migrationsUp, F.migrationsFinish];

/** Disagreements between one listing (with its exit code) and schema_meta rows, in words. */
export function compareListing(listing: MigrationsListing, exitCode: number, rows: readonly SchemaMetaRow[]): string[] {
  const out: string[] = [];
  const bySub = new Map(rows.map((r) => [r.subsystem, r]));
  if (exitCode === 3) return rows.length === 0 ? [] : [`list says the database needs bootstrap, but schema_meta has ${rows.length} rows`];
  if (rows.length === 0) out.push("schema_meta is empty but list did not report needs-bootstrap (exit 3)");
  const hasPending = Object.keys(listing.pending).length > 0;
  const hasNew = Object.keys(listing.new).length > 0;
  if (exitCode === 0 && (hasPending || hasNew)) out.push("list exited 0 (up to date) but printed pending or new migrations");
  if (exitCode === 4 && !hasPending) out.push("list exited 4 (pending) but printed no pending migrations");
  if (exitCode === 5 && (!hasNew || hasPending)) out.push("list exited 5 (new only) but its blocks say otherwise");
  for (const sub of listedSubsystems(listing)) {
    const row = bySub.get(sub);
    const executed = new Set(row?.executed ?? []);
    const pending = new Set(row?.pending ?? []);
    const known = new Set([...(listing.executed[sub] ?? []), ...(listing.pending[sub] ?? []), ...(listing.new[sub] ?? [])]);
    for (const m of listing.executed[sub] ?? []) if (!executed.has(m)) out.push(`${sub}: ${m} listed as executed but schema_meta ${pending.has(m) ? "has it pending" : "does not have it"}`);
    for (const m of listing.pending[sub] ?? []) if (!pending.has(m)) out.push(`${sub}: ${m} listed as pending but schema_meta ${executed.has(m) ? "has it executed" : "does not have it"}`);
    for (const m of listing.new[sub] ?? []) if (executed.has(m) || pending.has(m)) out.push(`${sub}: ${m} listed as new but schema_meta has it ${executed.has(m) ? "executed" : "pending"}`);
    for (const m of executed) if (known.has(m) && !(listing.executed[sub] ?? []).includes(m)) out.push(`${sub}: schema_meta has ${m} executed but list does not show it executed`);
    for (const m of pending) if (known.has(m) && !(listing.pending[sub] ?? []).includes(m)) out.push(`${sub}: schema_meta has ${m} pending but list does not show it pending`);
  }
  return out;
}

function nearestMeta(history: readonly Op[], list: Op): Op<SchemaMetaValue> | undefined {
  const metas = history.filter((op) => op.f === F.schemaMeta && op.type === "ok") as Op<SchemaMetaValue>[];
  const separated = (a: number, b: number): boolean =>
    history.some((op) => CHANGERS.includes(op.f) && op.type !== "invoke" && op.index > Math.min(a, b) && op.index < Math.max(a, b));
  return metas
    .filter((m) => !separated(m.index, list.index))
    .sort((a, b) => Math.abs(a.index - list.index) - Math.abs(b.index - list.index))[0];
}

export const schemaMetaConsistent: Check = {
  id: ID,
  description: "schema_meta read directly agrees with `kong migrations list` of the new binary",
  async check(ctx): Promise<CheckResult> {
    const newImage = ctx.expectations.newImage;
    const lists = pairOps<MigrationCommandValue>(ctx.history, F.migrationsList)
      .map((p) => p.completion)
      .filter((c): c is Op<MigrationCommandValue> => c !== undefined && typeof c.value?.exitCode === "number" && [0, 3, 4, 5].includes(c.value.exitCode))
      .filter((c) => newImage === undefined || c.value.image === newImage);
    const evidence: string[] = [];
    const problems: string[] = [];
    let compared = 0;
    for (const list of lists) {
      const meta = nearestMeta(ctx.history, list);
      const when = ctx.timeline.labelOp(list);
      if (!meta) { evidence.push(`list during ${when}: no schema_meta read next to it`); continue; }
      compared += 1;
      const found = compareListing(parseMigrationsList(list.value.stdout), list.value.exitCode!, meta.value.rows);
      evidence.push(`list (${list.value.image}, exit ${list.value.exitCode}) during ${when} vs schema_meta "${meta.value.label}": ${found.length ? `${found.length} disagreements` : "agree"}`);
      problems.push(...found.map((f) => `during ${when}: ${f}`));
    }
    const data = { compared };
    if (problems.length > 0) {
      const more = problems.length > MESSAGE_PROBLEMS ? `; and ${problems.length - MESSAGE_PROBLEMS} more (see the evidence)` : "";
      return {
        id: ID, status: "fail", message: `schema_meta and \`kong migrations list\` disagree: ${problems.slice(0, MESSAGE_PROBLEMS).join("; ")}${more}`,
        evidence: [...evidence, ...problems.map((p) => `disagreement: ${p}`), "see history.jsonl (f \"schema-meta\", \"migrations-list\")"], data,
      };
    }
    if (compared === 0) return { id: ID, status: "unknown", message: "no `kong migrations list` of the new binary paired with a schema_meta read", evidence, data };
    return { id: ID, status: "pass", message: `schema_meta agrees with \`kong migrations list\` at ${compared} ${compared === 1 ? "point" : "points"}`, evidence, data };
  },
};
