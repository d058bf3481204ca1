// `kong migrations bootstrap|up|finish|list|reset` (kong/cmd/migrations.lua).
import { createInterface } from "node:readline/promises";
import { bootstrap, finish, list, loadState, reset, up, type CommandContext } from "../migrations/commands.ts";
import { MIGRATION_FAULTS } from "../migrations/faults.ts";
import { withoutPendingRecords } from "../migrations/state.ts";
import type { Args } from "./args.ts";
import { connect, kongEnv } from "./context.ts";
import { ExitCode, KongCliError, UsageError, type Log } from "./log.ts";

const SUBCOMMANDS = new Set(["bootstrap", "up", "finish", "list", "reset"]);

export const MIGRATIONS_USAGE = `Usage: kong migrations COMMAND [OPTIONS]

Manage database schema migrations.

The available commands are:
  bootstrap                         Bootstrap the database and run all
                                    migrations.

  up                                Run any new migrations.

  finish                            Finish running any pending migrations after
                                    'up'.

  list                              List executed migrations.

  reset                             Reset the database.
`;

async function confirm(question: string, prompt: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (let i = 0; i < 3; i++) {
      const a = (await rl.question(`> ${question} ${prompt} `)).trim();
      if (["y", "Y", "yes", "YES"].includes(a)) return true;
      if (["n", "N", "no", "NO"].includes(a)) return false;
    }
    return false;
  } finally {
    rl.close();
  }
}

export async function migrationsCommand(args: Args, env: NodeJS.ProcessEnv, log: Log): Promise<number> {
  const sub = args.positional[1];
  if (sub === undefined || !SUBCOMMANDS.has(sub)) {
    throw new UsageError(sub === undefined ? MIGRATIONS_USAGE : `No such command for migrations: ${sub}\n\n${MIGRATIONS_USAGE}`);
  }
  if (args.quiet) log.quiet = true;
  const k = kongEnv(env, args);
  const ds = await connect(k, 2, true, (msg) => log.warn(msg));
  try {
    const ctx: CommandContext = {
      cat: k.cat, store: ds.migrations, strategy: ds.strategy, description: ds.description, log,
      faults: k.faults, plugins: k.config.plugins, lockTimeoutS: args.lockTimeoutS,
    };
    const state = await loadState(ctx).catch((e: unknown) => { throw new KongCliError(`[PostgreSQL error] ${(e as Error).message}`); });
    switch (sub) {
      case "list": list(ctx, k.faults.active(MIGRATION_FAULTS.listMissesPending) ? withoutPendingRecords(state) : state); return 0;
      case "bootstrap":
        if (args.force && k.cat.bootstrapForce) {
          await reset(ctx, state);
          await bootstrap(ctx, await loadState(ctx));
        } else await bootstrap(ctx, state);
        return 0;
      case "up":
        await up(ctx, state, args.force);
        return 0;
      case "finish": await finish(ctx, state, args.force); return 0;
      default: return await resetCommand(ctx, state, args);
    }
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    throw e;
  } finally {
    await ds.close().catch(() => undefined);
  }
}

async function resetCommand(ctx: CommandContext, state: Awaited<ReturnType<typeof loadState>>, args: Args): Promise<number> {
  if (!args.yes) {
    if (!process.stdin.isTTY) throw new KongCliError("not a tty: invoke 'reset' non-interactively with the --yes flag");
    if (!state.needsBootstrap && !(await confirm("Are you sure? This operation is irreversible.", ctx.cat.resetPrompt))) {
      ctx.log.info("cancelled");
      return 0;
    }
  }
  return (await reset(ctx, state)) ? 0 : 1;
}
