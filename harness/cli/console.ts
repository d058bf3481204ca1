// The only place that writes to the terminal: progress lines and one-line errors.
import { CommandFailedError, EnvironmentError, HarnessError, InvalidConfigError } from "../errors.ts";
import { ExitCode } from "./exit-codes.ts";

const stamp = (): string => new Date().toISOString().slice(11, 19);

export const say = (area: string) => (line: string): void => {
  process.stdout.write(`${stamp()} [${area}] ${line}\n`);
};

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** Prints an error on one line (plus its hint) and returns the exit code it maps to. */
export function reportError(err: unknown): ExitCode {
  if (err instanceof HarnessError) {
    const first = err instanceof CommandFailedError ? err.message : err.message.split("\n")[0];
    process.stderr.write(`error: ${first}${err.hint ? ` (${err.hint})` : ""}\n`);
    if (!(err instanceof CommandFailedError) && err.message.includes("\n")) process.stderr.write(`${err.message.split("\n").slice(1).join("\n")}\n`);
    return err instanceof InvalidConfigError || err instanceof EnvironmentError ? ExitCode.InvalidInput : ExitCode.HarnessFailed;
  }
  process.stderr.write(`error: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.HarnessFailed;
}
