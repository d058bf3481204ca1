// Migration-side fault switches (KONG_STANDIN_FAULTS, see standin/README.md). Each makes `kong
// migrations up` misbehave the way a real upgrade bug would; none is active unless named.
import type { FaultSwitch } from "../faults.ts";

export const MIGRATION_FAULTS = {
  /** up rewrites route paths into a newer format (`~` prefix, as 3.0's up_f does): old routers misread them. */
  rewritesPaths: "up-rewrites-paths",
  /** DDL without IF NOT EXISTS: re-running a migration whose DDL committed but was never recorded fails. */
  notRerunnable: "migration-not-rerunnable",
  /** The process dies after the first migration's DDL committed and before it was recorded. */
  crashAfterDdl: "migration-crash-after-ddl",
  /** up runs the DDL, prints the usual lines and exits 0, but records nothing in schema_meta. */
  recordsNothing: "up-records-nothing",
  /** up damages existing data: key-auth keys are rewritten (entity=keyauth_credentials, default) or plugin configs emptied (entity=plugins). */
  damagesData: "up-damages-data",
  /** up holds ACCESS EXCLUSIVE locks on routes, services and plugins (or entity=<table>) for `for=<ms>` (default 10000) before migrating. */
  stall: "up-stall",
  /** up rewrites key-auth keys into a format only nodes with this switch read: old nodes reading afresh refuse them, running ones keep them cached. */
  damagesColdReads: "up-damages-cold-reads",
  /** list reads schema_meta without the migrations recorded pending (a replica that missed those records): they show as new. */
  listMissesPending: "list-misses-pending",
  /** up renames a column (snis.name to server_name) at its end, as a migration that renames in place of add-then-drop-in-teardown would. */
  renamesColumn: "up-renames-column",
  /** up stops at the migration after the first half: its SQL fails, Kong's error is printed, exit 1; the half before stays recorded. */
  failsMidway: "up-fails-midway",
  /** up or finish dies (exit 137) at `point=before-record` (a migration's up or teardown committed, not recorded) or `point=halfway`. */
  crash: "migration-crash",
  /** Each migration's up or teardown transaction takes `for=<ms>` (default 1000) longer, as on a big table. */
  slow: "migration-slow",
} as const;

/** Where `migration-crash` kills the run (`point=` scope). */
export type CrashPoint = "before-record" | "halfway";
export const CRASH_POINTS: readonly CrashPoint[] = ["before-record", "halfway"];

export const CRASH_EXIT_CODE = 137;

/** How up-damages-cold-reads stores key-auth keys; a node with the switch reads keys in this form too. */
export const COLD_READ_KEY_PREFIX = "kuh2:";

export interface MigrationFaults {
  active(name: string): FaultSwitch | undefined;
}

/** Extra SQL that a faulty `up` runs in the same transaction as its first migration. */
export function faultySql(faults: MigrationFaults): string {
  const parts: string[] = [];
  if (faults.active(MIGRATION_FAULTS.rewritesPaths)) {
    parts.push(`UPDATE "routes" SET "paths" = ARRAY(SELECT CASE WHEN left(p, 1) = '~' THEN p ELSE '~' || p END FROM unnest("paths") AS p) WHERE "paths" IS NOT NULL;`);
  }
  if (faults.active(MIGRATION_FAULTS.damagesColdReads)) {
    parts.push(`UPDATE "keyauth_credentials" SET "key" = '${COLD_READ_KEY_PREFIX}' || "key" WHERE left("key", ${COLD_READ_KEY_PREFIX.length}) <> '${COLD_READ_KEY_PREFIX}';`);
  }
  const damage = faults.active(MIGRATION_FAULTS.damagesData);
  if (damage) {
    parts.push(damage.entity === "plugins"
      ? `UPDATE "plugins" SET "config" = '{}'::json;`
      : `UPDATE "keyauth_credentials" SET "key" = md5("key");`);
  }
  return parts.join("\n");
}

/** `LOCK … ACCESS EXCLUSIVE; pg_sleep(n)` in its own transaction, before the migrations run. */
export function stallSql(faults: MigrationFaults): string | undefined {
  const f = faults.active(MIGRATION_FAULTS.stall);
  if (!f) return undefined;
  const tables = f.entity ? [f.entity] : ["routes", "services", "plugins"];
  return `LOCK TABLE ${tables.map((t) => `"${t}"`).join(", ")} IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(${(f.forMs ?? 10_000) / 1000});`;
}

/** The crash point of this run, if `migration-crash` is on; an unknown point is a usage error of the switch. */
export function crashPoint(faults: MigrationFaults): CrashPoint | undefined {
  const f = faults.active(MIGRATION_FAULTS.crash);
  if (!f) return undefined;
  const point = (f.point ?? "before-record") as CrashPoint;
  if (!CRASH_POINTS.includes(point)) throw new Error(`fault "${MIGRATION_FAULTS.crash}": unknown point "${f.point}" (${CRASH_POINTS.join(", ")})`);
  return point;
}

/**
 * `up-fails-midway`: a plain ADD COLUMN of a column that is already there, as a column added by hand
 * (or by a custom plugin) before the upgrade makes a migration's own ADD COLUMN fail. It fails the
 * migration's transaction, so nothing of that migration is left (Postgres only).
 */
export const MIDWAY_FAILING_SQL = `ALTER TABLE "services" ADD COLUMN "name" TEXT;`;

/**
 * `up-renames-column`: a rename done by `up` instead of Kong's expand/contract (add the new column
 * in `up`, drop the old one in the teardown that `finish` runs): old nodes still running read a
 * column that is gone. snis is not read by the scenarios' traffic, so only the schema shows it.
 */
export function renameSql(faults: MigrationFaults): string {
  return faults.active(MIGRATION_FAULTS.renamesColumn) ? `ALTER TABLE "snis" RENAME COLUMN "name" TO "server_name";` : "";
}

/** How many migrations a `point=halfway` run records before it dies: half of them, at least one. */
export const halfwayCount = (total: number): number => Math.max(1, Math.floor(total / 2));

/** Statement that makes a migration's transaction last `for` ms longer (Postgres: inside it). */
export function slowSql(faults: MigrationFaults, strategy: string): string {
  const f = faults.active(MIGRATION_FAULTS.slow);
  if (!f || strategy !== "postgres") return "";
  return `SELECT pg_sleep(${(f.forMs ?? 1000) / 1000});`;
}
