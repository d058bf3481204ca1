// kong/cmd/utils/migrations.lua and the `list` branch of kong/cmd/migrations.lua: bootstrap, up,
// finish, reset and list with Kong's messages, lock behaviour and exit codes.
import { subsystemsFor } from "../catalogue/versions.ts";
import { ExitCode, KongCliError, LUA_PREFIX } from "../cli/log.ts";
import { clusterMutex, MutexCallbackError } from "./mutex.ts";
import { stallSql } from "./faults.ts";
import { runMigrations, type MigrationContext } from "./runner.ts";
import { formatMigrations, schemaState, type SchemaState } from "./state.ts";

export const NOT_LEADER_MSG = "aborted: another node is performing database changes";
export const NEEDS_BOOTSTRAP_MSG = "Database needs bootstrapping or is older than Kong 1.0.\n\n" +
  "To start a new installation from scratch, run 'kong migrations bootstrap'.\n\n" +
  "To migrate from a version older than 1.0, migrated to Kong 1.5.0 first. \n" +
  "If you still have 'apis' entities, you can convert them to Routes and Services\n" +
  "using the 'kong migrations migrate-apis' command in Kong 1.5.0.\n\n";
const LEGACY_NEEDS_BOOTSTRAP = "Database needs bootstrapping; run 'kong migrations bootstrap'";
const PENDING_MSG = "Database has pending migrations; run 'kong migrations finish'";

export interface CommandContext extends MigrationContext {
  readonly plugins: readonly string[];
  readonly lockTimeoutS: number;
}

export async function loadState(ctx: CommandContext): Promise<SchemaState> {
  return schemaState(subsystemsFor(ctx.cat, ctx.plugins), await ctx.store.schemaMeta());
}

const mutexOpts = (ctx: CommandContext, extra: { noWait?: boolean; noCleanup?: boolean } = {}) =>
  ({ ttlS: ctx.lockTimeoutS, strategyName: ctx.strategy, ...extra });

export async function bootstrap(ctx: CommandContext, state: SchemaState): Promise<void> {
  if (!state.needsBootstrap) { ctx.log.info("Database already bootstrapped"); return; }
  ctx.log.info("Bootstrapping database...");
  await ctx.store.createMetaTables();
  const ran = await clusterMutex(ctx.store, mutexOpts(ctx, { noWait: true }), async () => {
    await runMigrations(ctx, state.newMigrations ?? [], { runUp: true, runTeardown: true });
    ctx.log.info("Database is up-to-date");
  });
  if (!ran) ctx.log.info(NOT_LEADER_MSG);
}

export async function up(ctx: CommandContext, state: SchemaState, force: boolean): Promise<void> {
  if (state.needsBootstrap) {
    throw new KongCliError(ctx.cat.legacyBootstrapMessages
      ? "Cannot run migrations: database needs bootstrapping; run 'kong migrations bootstrap'"
      : `Cannot run migrations: ${NEEDS_BOOTSTRAP_MSG}`);
  }
  // 2.2.0+ (#6105): refuse before the lock, without the mutex traceback.
  if (ctx.cat.earlyPendingCheck && !force && state.pending) throw new KongCliError(PENDING_MSG);
  const ran = await clusterMutex(ctx.store, mutexOpts(ctx), async () => {
    let s = await loadState(ctx);
    if (!force && s.pending) throw new MutexCallbackError(ctx.strategy, `${LUA_PREFIX}/cmd/utils/migrations.lua:67: ${PENDING_MSG}`);
    if (force && s.executed) {
      await runMigrations(ctx, s.executed, { runUp: true, runTeardown: true, skipTeardown: s.pending });
      s = await loadState(ctx);
      if (s.pending) { ctx.log.info("\nDatabase has pending migrations; run 'kong migrations finish' when ready"); return; }
    }
    if (!s.newMigrations) { if (!force) ctx.log.info("Database is already up-to-date"); return; }
    const stall = ctx.strategy === "postgres" ? stallSql(ctx.faults) : undefined;
    if (stall) await ctx.store.runUp(stall);
    await runMigrations(ctx, s.newMigrations, { runUp: true, runTeardown: false, withUpFaults: true, withCrashFaults: true });
    s = await loadState(ctx);
    if (s.pending) ctx.log.info("\nDatabase has pending migrations; run 'kong migrations finish' when ready");
  });
  if (!ran) ctx.log.info(NOT_LEADER_MSG);
}

export async function finish(ctx: CommandContext, state: SchemaState, force: boolean): Promise<void> {
  if (state.needsBootstrap) {
    throw new KongCliError(ctx.cat.legacyBootstrapMessages
      ? "Cannot run migrations; run 'kong migrations bootstrap' instead"
      : `Cannot run migrations: ${NEEDS_BOOTSTRAP_MSG}`);
  }
  const ran = await clusterMutex(ctx.store, mutexOpts(ctx, { noWait: true }), async () => {
    let s = await loadState(ctx);
    if (force && s.executed) {
      await runMigrations(ctx, s.executed, { runUp: true, runTeardown: true });
      s = await loadState(ctx);
    }
    if (s.pending) {
      await runMigrations(ctx, s.pending, { runUp: false, runTeardown: true, withCrashFaults: true });
      s = await loadState(ctx);
    }
    if (s.newMigrations) { ctx.log.info("\nNew migrations available; run 'kong migrations up' to proceed"); return; }
    if (!force && !s.pending) ctx.log.info("No pending migrations to finish");
  });
  if (!ran) ctx.log.info(NOT_LEADER_MSG);
}

/** true when the database was reset (exit 0), false otherwise (exit 1). */
export async function reset(ctx: CommandContext, state: SchemaState): Promise<boolean> {
  if (state.needsBootstrap) { ctx.log.info("Database not bootstrapped, nothing to reset"); return false; }
  const doReset = async (): Promise<void> => {
    ctx.log.info("Resetting database...");
    await ctx.store.reset();
    // Cassandra's schema_reset logs the dropped keyspace (description is `keyspace '<name>'`).
    if (ctx.strategy === "cassandra") ctx.log.info(`dropped ${ctx.description.replace(/^keyspace /, "")} keyspace`);
    ctx.log.info("Database successfully reset");
  };
  try {
    const ran = await clusterMutex(ctx.store, mutexOpts(ctx, { noWait: true, noCleanup: true }), doReset);
    if (!ran) ctx.log.info(NOT_LEADER_MSG);
    return ran;
  } catch (e) {
    if (e instanceof MutexCallbackError) throw e;
    ctx.log.error(`${(e as Error).message} - retrying without cluster lock`);
    await doReset();
    return true;
  }
}

/** `kong migrations list`: prints the blocks and throws ExitCode 3/4/5 (0 returns normally). */
export function list(ctx: CommandContext, state: SchemaState): void {
  const { log } = ctx;
  if (state.needsBootstrap) {
    log.info(ctx.cat.legacyBootstrapMessages ? LEGACY_NEEDS_BOOTSTRAP : NEEDS_BOOTSTRAP_MSG);
    throw new ExitCode(3);
  }
  let r = "";
  if (state.executed) { log.info(`Executed migrations:\n${formatMigrations(state.executed)}`); r = "\n"; }
  if (state.pending) { log.info(`${r}Pending migrations:\n${formatMigrations(state.pending)}`); r = "\n"; }
  if (state.newMigrations) { log.info(`${r}New migrations available:\n${formatMigrations(state.newMigrations)}`); r = "\n"; }
  if (state.pending && state.newMigrations) {
    if (r !== "") log.info("");
    log.warn(`Database has pending migrations from a previous upgrade, and new migrations from this upgrade (version ${ctx.cat.version})`);
    const desc = ctx.strategy === "cassandra" ? "keyspace" : "database";
    log.info(`\nRun 'kong migrations finish' when ready to complete pending migrations (${ctx.strategy} ${desc} will be incompatible with the previous Kong version)`);
    throw new ExitCode(4);
  }
  if (state.pending) { log.info("\nRun 'kong migrations finish' when ready"); throw new ExitCode(4); }
  if (state.newMigrations) { log.info("\nRun 'kong migrations up' to proceed"); throw new ExitCode(5); }
}
