// The stand-in's `kong` command: the CLI of the Kong version named by KONG_STANDIN_VERSION.
// Dispatches `migrations`, `docker-start`, `health`, `version` and `config`; errors are printed
// in Kong's envelope (`Error: …` on stderr, exit 1).
import { parseArgs } from "./cli/args.ts";
import { configCommand } from "./cli/config.ts";
import { healthCommand } from "./cli/health.ts";
import { KongCliError, Log, UsageError, type Writer } from "./cli/log.ts";
import { migrationsCommand } from "./cli/migrations.ts";
import { versionCommand } from "./cli/version.ts";

const USAGE = `Usage: kong COMMAND [OPTIONS]

The available commands are:
 config
 docker-start
 health
 migrations
 version

Options:
 --v              verbose
 --vv             debug
`;

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, out: Writer, err: Writer): Promise<number> {
  let verbose = false;
  try {
    const args = parseArgs(argv);
    verbose = args.verbose;
    const log = new Log(out, err, verbose);
    switch (args.positional[0]) {
      case "migrations": return await migrationsCommand(args, env, log);
      // Loaded lazily: the node runtime is not needed (nor loaded) by CLI-only commands.
      case "docker-start": return await (await import("./cli/docker-start.ts")).dockerStartCommand(args, env, err);
      case "health": return healthCommand(args, env, log);
      case "version": return versionCommand(args, env, log);
      case "config": return await configCommand(args, env, log);
      case undefined: throw new UsageError(USAGE);
      default: throw new UsageError(`No such command: ${args.positional[0]}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof UsageError) { err.write(`${e.message.trimEnd()}\n`); return 1; }
    const msg = e instanceof KongCliError ? e.message : e instanceof Error ? e.message : String(e);
    if (verbose) err.write(`Error: \n${msg}\n${e instanceof Error ? e.stack ?? "" : ""}\n`);
    else err.write(`Error: ${msg}\n\n  Run with --v (verbose) or --vv (debug) for more details\n`);
    return 1;
  }
}

// A closed pipe (`kong migrations list | head`) ends the command quietly, as SIGPIPE ends Kong's.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(1); throw e; });
}

const code = await runCli(process.argv.slice(2), process.env, process.stdout, process.stderr);
// Commands have closed their connections; exit now so that no stray handle keeps a CLI run alive.
process.exit(code);
