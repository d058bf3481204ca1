// The `kong-upgrade-harness` command line.
import { parseArgs } from "node:util";
import { InvalidConfigError } from "../errors.ts";
import { labCommand } from "./commands/lab.ts";
import { reportError } from "./console.ts";
import { ExitCode } from "./exit-codes.ts";

const USAGE = `Usage: kong-upgrade-harness <command> [options]

Commands:
  lab [--check]    bring up the Docker engine, images and tools the harness needs (--check: only report)
  help             show this help

Exit codes: 0 ok, 1 checks failed, 2 invalid input or environment, 3 harness failure, 130 interrupted.
`;

export async function main(argv: readonly string[]): Promise<ExitCode> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "lab": {
        const { values } = parseArgs({ args: [...rest], options: { check: { type: "boolean", default: false } }, strict: true });
        return await labCommand({ check: values.check });
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return command === undefined ? ExitCode.InvalidInput : ExitCode.Ok;
      default:
        throw new InvalidConfigError([`unknown command "${command}"`], { hint: "run `kong-upgrade-harness help`" });
    }
  } catch (err) {
    if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
      return reportError(new InvalidConfigError([err.message], { hint: "run `kong-upgrade-harness help`" }));
    }
    return reportError(err);
  }
}
