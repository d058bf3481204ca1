// `kong docker-start`: what the official image's entrypoint does (kong prepare + nginx in the
// foreground). The schema check runs inside nginx's init_by_lua (Kong.init), so failures print the
// init_by_lua error form and exit 1; then the node reads its data and serves.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { subsystemsFor } from "../catalogue/versions.ts";
import { PgmoonRaisedError } from "../db/postgres/connection.ts";
import type { SchemaMetaRow } from "../db/types.ts";
import { NEEDS_BOOTSTRAP_MSG } from "../migrations/commands.ts";
import { formatMigrations, schemaState, type SchemaState } from "../migrations/state.ts";
import { startNode } from "../node/index.ts";
import { LuaRaisedError } from "../node/plugins-iterator.ts";
import type { MigrationState } from "../node/types.ts";
import type { Args } from "./args.ts";
import { connect, kongEnv, type KongEnv } from "./context.ts";
import { pidFile } from "./health.ts";
import { LUA_PREFIX, type Writer } from "./log.ts";

/** nginx's report of an error raised in init_by_lua, with the Lua traceback. */
export function initByLuaError(message: string, fn = "init", file = "init.lua", line = 0): string {
  const where = line > 0 ? `\t${LUA_PREFIX}/${file}:${line}: in function '${fn}'\n` : "";
  return `nginx: [error] init_by_lua error: ${message}\nstack traceback:\n\t[C]: in function 'error'\n${where}` +
    `\t${LUA_PREFIX}/init.lua:432: in function 'init'\n\tinit_by_lua:3: in main chunk\n`;
}

function checkState(k: KongEnv, state: SchemaState): string | undefined {
  const legacy = k.cat.legacyBootstrapMessages;
  const file = "cmd/utils/migrations.lua";
  if (state.needsBootstrap) {
    const line = legacy ? 20 : 16;
    return initByLuaError(`${LUA_PREFIX}/${file}:${line}: ${legacy ? "Database needs bootstrapping; run 'kong migrations bootstrap'" : NEEDS_BOOTSTRAP_MSG}`, "check_state", file, line);
  }
  if (state.newMigrations) {
    const line = legacy ? 25 : 20;
    return initByLuaError(`${LUA_PREFIX}/${file}:${line}: New migrations available; run 'kong migrations up' to proceed`, "check_state", file, line);
  }
  return undefined;
}

function stamp(): string {
  return new Date().toISOString().replace("T", " ").replace(/-/g, "/").slice(0, 19);
}

/** What the node needs to know of the schema: its own pending names, and whether a newer version migrated. */
function migrationState(k: KongEnv, state: SchemaState, rows: ReadonlyMap<string, SchemaMetaRow>): MigrationState {
  const known = new Map(subsystemsFor(k.cat, k.config.plugins).map((s) => [s.name, new Set(s.migrations.map((m) => m.name))]));
  const newerExecuted = [...rows.values()].some((r) => {
    const names = known.get(r.subsystem);
    return names !== undefined && r.executed.some((n) => !names.has(n));
  });
  const pending = (state.pending ?? []).flatMap((s) => s.migrations.map((m) => `${s.subsystem}:${m.name}`));
  return { pending, newerExecuted };
}

export async function dockerStartCommand(args: Args, env: NodeJS.ProcessEnv, err: Writer): Promise<number> {
  const k = kongEnv(env);
  let ds;
  try {
    ds = await connect(k, 20);
  } catch (e) {
    err.write(initByLuaError(e instanceof PgmoonRaisedError ? e.luaError : (e as Error).message));
    return 1;
  }
  const rows = await ds.migrations.schemaMeta();
  const state = schemaState(subsystemsFor(k.cat, k.config.plugins), rows);
  const refusal = checkState(k, state);
  if (refusal) {
    err.write(refusal);
    await ds.close();
    return 1;
  }
  if (state.missing) err.write(`${stamp()} [warn] 1#0: [kong] init.lua:455 database is missing some migrations:\n${formatMigrations(state.missing)}\n`);
  if (state.pending) err.write(`${stamp()} [warn] 1#0: [kong] init.lua:459 database has pending migrations:\n${formatMigrations(state.pending)}\n`);
  const pid = pidFile(k.config.prefix);
  try {
    await startNode({ config: k.config, version: k.cat.version, datastore: ds, faults: k.faults, migrationState: migrationState(k, state, rows ?? new Map()) });
  } catch (e) {
    err.write(e instanceof LuaRaisedError ? `nginx: [error] init_by_lua error: ${e.message}\n${e.traceback}\n` : initByLuaError((e as Error).message));
    await ds.close().catch(() => undefined);
    return 1;
  }
  mkdirSync(dirname(pid), { recursive: true });
  writeFileSync(pid, `${process.pid}\n`);
  process.on("exit", () => rmSync(pid, { force: true }));
  void args;
  // The node keeps the process alive; its signal handlers (SIGQUIT graceful) end it.
  return new Promise<number>(() => undefined);
}
