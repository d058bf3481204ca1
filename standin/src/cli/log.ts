// kong/cmd/utils/log.lua: info lines to stdout as is; warn/error to stderr with a timestamp and
// level; `--v` prefixes every line with the timestamp and level; `-q` silences everything.

export type Level = "debug" | "verbose" | "info" | "warn" | "error";

export interface Writer { write(s: string): unknown }

function stamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export class Log {
  quiet = false;
  constructor(private readonly out: Writer, private readonly err: Writer, readonly verbose = false) {}

  info(line: string): void { if (!this.quiet) this.out.write(`${this.verbose ? `${stamp()} [info] ` : ""}${line}\n`); }
  warn(line: string): void { if (!this.quiet) this.err.write(`${stamp()} [warn] ${line}\n`); }
  error(line: string): void { if (!this.quiet) this.err.write(`${stamp()} [error] ${line}\n`); }
  debug(line: string): void { if (!this.quiet && this.verbose) this.out.write(`${stamp()} [verbose] ${line}\n`); }
}

/** An error the CLI prints as `Error: <message>` (the Lua `file:line: ` prefix already stripped). */
export class KongCliError extends Error {
  override name = "KongCliError";
}

/** A process exit code decided by the command (e.g. `list` → 3/4/5), not an error. */
export class ExitCode extends Error {
  override name = "ExitCode";
  constructor(readonly code: number) { super(`exit ${code}`); }
}

export const LUA_PREFIX = "/usr/local/share/lua/5.1/kong";

/** The traceback Lua appends to errors re-raised through xpcall (cluster_mutex, init_by_lua). */
export function traceback(fn: string, file: string, line: number): string {
  return ["stack traceback:", "\t[C]: in function 'error'", `\t${LUA_PREFIX}/${file}:${line}: in function '${fn}'`,
    `\t${LUA_PREFIX}/db/init.lua:401: in function <${LUA_PREFIX}/db/init.lua:401>`, "\t[C]: in function 'xpcall'"].join("\n");
}

/** lapp's usage failures: the text goes to stderr as is (no `Error:` envelope), exit 1. */
export class UsageError extends Error {
  override name = "UsageError";
}
