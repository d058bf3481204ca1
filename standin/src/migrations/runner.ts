// DB:run_migrations (kong/db/init.lua): for each subsystem and migration, run `up` and record it
// executed or pending, and/or run the teardown and record it done, printing Kong's lines.
import type { VersionCatalogue } from "../catalogue/versions.ts";
import type { Log } from "../cli/log.ts";
import { KongCliError } from "../cli/log.ts";
import type { MigrationStore, Strategy } from "../db/types.ts";
import { CRASH_EXIT_CODE, crashPoint, faultySql, halfwayCount, MIDWAY_FAILING_SQL, MIGRATION_FAULTS, renameSql, slowSql, type MigrationFaults } from "./faults.ts";
import { cqlFor } from "./cql-registry.ts";
import { renderPostgres } from "./ops.ts";
import { ddlFor } from "./registry.ts";
import type { SubsystemMigrations } from "./state.ts";

export interface MigrationContext {
  readonly cat: VersionCatalogue;
  readonly store: MigrationStore;
  readonly strategy: Strategy;
  /** `database 'kong'` / `keyspace 'kong'`. */
  readonly description: string;
  readonly log: Log;
  readonly faults: MigrationFaults;
}

export const dbErrorPrefix = (strategy: string): string => (strategy === "cassandra" ? "[Cassandra error]" : "[PostgreSQL error]");

export interface RunOptions {
  readonly runUp: boolean;
  readonly runTeardown: boolean;
  /** `up -f`: executed migrations whose teardown is still pending are not torn down again. */
  readonly skipTeardown?: readonly SubsystemMigrations[];
  /** Only `kong migrations up` injects the up-side faults. */
  readonly withUpFaults?: boolean;
  /** `up` and `finish` (not bootstrap) can be killed at a point (`migration-crash`) or slowed (`migration-slow`). */
  readonly withCrashFaults?: boolean;
}

/** `migration-crash`: dies the way a SIGKILL'd command does; whatever committed stays, nothing else is written. */
const crash = (): never => process.exit(CRASH_EXIT_CODE);

/** Runs a migration's text, `migration-slow` making it last longer (inside the transaction on Postgres). */
async function runText(ctx: MigrationContext, text: string, slow: boolean, migration: string): Promise<void> {
  if (slow && text.trim() !== "") {
    const sleep = slowSql(ctx.faults, ctx.strategy);
    if (sleep) text = `${sleep}\n${text}`;
    else await new Promise((r) => setTimeout(r, ctx.faults.active(MIGRATION_FAULTS.slow)?.forMs ?? 1000));
  }
  await ctx.store.runUp(text, migration);
}

const fail = (ctx: MigrationContext, what: string, e: unknown): never => {
  throw new KongCliError(`${dbErrorPrefix(ctx.strategy)} ${what}: ${(e as Error).message}`);
};

function sqlOf(ctx: MigrationContext, subsystem: string, name: string, phase: "up" | "teardown"): string {
  if (ctx.strategy === "cassandra") return cqlFor(ctx.cat, subsystem, name)[phase] ?? "";
  const ddl = ddlFor(ctx.cat, subsystem, name);
  const ops = phase === "up" ? ddl.up : ddl.teardown ?? [];
  return renderPostgres(ops, { strict: ctx.faults.active(MIGRATION_FAULTS.notRerunnable) !== undefined });
}

export async function runMigrations(ctx: MigrationContext, list: readonly SubsystemMigrations[], opts: RunOptions): Promise<void> {
  const { store, log } = ctx;
  let processed = 0;
  let pending = 0;
  const point = opts.withCrashFaults ? crashPoint(ctx.faults) : undefined;
  const slow = opts.withCrashFaults === true && ctx.faults.active(MIGRATION_FAULTS.slow) !== undefined;
  const total = list.reduce((n, t) => n + t.migrations.length, 0);
  // The data-damaging up faults are SQL; on Cassandra they are not modelled (standin/README.md).
  let extra = opts.withUpFaults && ctx.strategy === "postgres" ? faultySql(ctx.faults) : "";
  // `up-fails-midway`: the migration after the first half fails in its own transaction, and `up`
  // stops there with Kong's error (DB:run_migrations returns at the first failed migration).
  const failsAt = opts.withUpFaults && ctx.strategy === "postgres" && ctx.faults.active(MIGRATION_FAULTS.failsMidway) ? halfwayCount(total) : -1;
  for (const t of list) {
    log.info(`migrating ${t.subsystem} on ${ctx.description}...`);
    for (const mig of t.migrations) {
      const teardown = mig.teardown[ctx.strategy];
      if (opts.runUp) {
        // The rename goes with the run's last migration, after every DDL that names the column.
        const rename = opts.withUpFaults && ctx.strategy === "postgres" && processed === total - 1 ? renameSql(ctx.faults) : "";
        const text = [sqlOf(ctx, t.subsystem, mig.name, "up"), extra, processed === failsAt ? MIDWAY_FAILING_SQL : "", rename].filter(Boolean).join("\n");
        extra = "";
        await runText(ctx, text, slow, mig.name).catch((e: unknown) => fail(ctx, `failed to run migration '${mig.name}' up`, e));
        if (opts.withUpFaults && text.trim() !== "" && ctx.faults.active(MIGRATION_FAULTS.crashAfterDdl)) crash();
        if (point === "before-record" && text.trim() !== "") crash();
        if (teardown) pending++;
        if (!(opts.withUpFaults && ctx.faults.active(MIGRATION_FAULTS.recordsNothing))) {
          const record = teardown ? store.recordPending(t.subsystem, mig.name) : store.recordExecuted(t.subsystem, mig.name);
          await record.catch((e: unknown) => fail(ctx, `failed to record migration '${mig.name}'`, e));
        }
      }
      const skip = opts.skipTeardown?.some((s) => s.subsystem === t.subsystem && s.migrations.some((m) => m.name === mig.name)) ?? false;
      if (!skip && opts.runTeardown && teardown) {
        await runText(ctx, sqlOf(ctx, t.subsystem, mig.name, "teardown"), slow, mig.name).catch((e: unknown) => fail(ctx, `failed to run migration '${mig.name}' teardown`, e));
        if (point === "before-record") crash();
        await store.recordTeardownDone(t.subsystem, mig.name).catch((e: unknown) => fail(ctx, `failed to record migration '${mig.name}'`, e));
        pending = Math.max(pending - 1, 0);
      }
      log.info(`${t.subsystem} migrated up to: ${mig.name} ${teardown && !opts.runTeardown ? "(pending)" : "(executed)"}`);
      processed++;
      if (point === "halfway" && processed === halfwayCount(total)) crash();
    }
  }
  log.info(`${processed} migration${processed > 1 ? "s" : ""} processed`);
  if (processed - pending > 0) log.info(`${processed - pending} executed`);
  if (pending > 0) log.info(`${pending} pending`);
}
