// The `kong-upgrade-harness` command line.
import { parseArgs } from "node:util";
import { InvalidConfigError } from "../errors.ts";
import { checkCommand } from "./commands/check.ts";
import { COMPARE_HELP, compareCommand } from "./commands/compare.ts";
import { QUALIFY_HELP, qualifyCommand } from "./commands/qualify.ts";
import { REPORT_HELP, reportCommand } from "./commands/report.ts";
import { labCommand } from "./commands/lab.ts";
import { listCommand } from "./commands/list.ts";
import { PLAN_FLAG_SPEC, PLAN_HELP, planCommand } from "./commands/plan.ts";
import { parseRunFlagsWithFiles, RUN_FLAG_SPEC, RUN_HELP, runCommand } from "./commands/run.ts";
import { RUN_PATH_HELP, runPathCommand } from "./commands/run-path.ts";
import { reportError } from "./console.ts";
import { ExitCode } from "./exit-codes.ts";

/** The demo: the Postgres blue/green scenario against the project's stand-in images. */
export const DEMO = { scenario: "scenarios/postgres-blue-green.ts", oldImage: "kong-standin:1.5.1", newImage: "kong-standin:2.6.0" };

const LAB_HELP = "  lab [--check]    bring up the Docker engine, images and tools the harness needs (--check: only report)";
const LIST_HELP = "  list             the scenarios, with one-line descriptions";
const CHECK_HELP = "  check <run-dir> [--accept FILE]\n                   re-run every check offline from a run's files and rewrite its report (judged with the accept file given, if any)";
const DEMO_HELP = `  demo [run flags] run ${DEMO.scenario} with ${DEMO.oldImage} -> ${DEMO.newImage} (flags as for \`run\`)`;
const HELP_HELP = "  help             show this help";

/** What `<command> --help` prints: the command's own lines of the usage. */
const COMMAND_HELP: Readonly<Record<string, string>> = {
  lab: LAB_HELP, run: `${RUN_HELP}\n${RUN_PATH_HELP}`, list: LIST_HELP, plan: PLAN_HELP, check: CHECK_HELP, report: REPORT_HELP,
  compare: COMPARE_HELP, qualify: QUALIFY_HELP, demo: `${DEMO_HELP}\n${RUN_HELP}`, help: HELP_HELP,
};

const USAGE = `Usage: kong-upgrade-harness <command> [options]

Commands:
${LAB_HELP}
${RUN_HELP}
${RUN_PATH_HELP}
${LIST_HELP}
${PLAN_HELP}
${CHECK_HELP}
${REPORT_HELP}
${COMPARE_HELP}
${QUALIFY_HELP}
${DEMO_HELP}
${HELP_HELP}

Exit codes: 0 ok, 1 checks failed (the upgrade failed), 2 invalid input or environment (refused before
anything starts), 3 not judged (a step failed outside the upgrade: report.json's verdict "error") or
harness failure, 130 interrupted.
`;

export async function main(argv: readonly string[]): Promise<ExitCode> {
  const [command, ...rest] = argv;
  // `<command> --help` answers before anything else is read: the command's usage, exit 0.
  if (command !== undefined && Object.hasOwn(COMMAND_HELP, command) && (rest.includes("--help") || rest.includes("-h"))) {
    process.stdout.write(`Usage: kong-upgrade-harness ${command} ...\n\n${COMMAND_HELP[command]}\n`);
    return ExitCode.Ok;
  }
  try {
    switch (command) {
      case "lab": {
        const { values } = parseArgs({ args: [...rest], options: { check: { type: "boolean", default: false } }, strict: true });
        return await labCommand({ check: values.check });
      }
      case "run": {
        if (rest.includes("--path")) return await runPathCommand(rest);
        const { values, positionals } = parseArgs({ args: [...rest], options: RUN_FLAG_SPEC, strict: true, allowPositionals: true });
        if (positionals.length !== 1) throw new InvalidConfigError(["`run` takes exactly one scenario file"], { hint: "run `kong-upgrade-harness list` to see the scenarios" });
        return await runCommand({ scenario: positionals[0]!, ...(await parseRunFlagsWithFiles(values)) });
      }
      case "demo": {
        const { values } = parseArgs({ args: [...rest], options: RUN_FLAG_SPEC, strict: true });
        return await runCommand({ scenario: DEMO.scenario, oldImage: DEMO.oldImage, newImage: DEMO.newImage, ...stripUndefined(await parseRunFlagsWithFiles(values)) });
      }
      case "list":
        if (rest.length > 0) throw new InvalidConfigError([`\`list\` takes no arguments, but was given "${rest.join(" ")}"`], { hint: "run `kong-upgrade-harness list`" });
        return listCommand();
      case "plan": {
        const { values } = parseArgs({ args: [...rest], options: PLAN_FLAG_SPEC, strict: true });
        return planCommand(values);
      }
      case "check":
        return await checkCommand(rest);
      case "report":
        return await reportCommand(rest);
      case "compare":
        return await compareCommand(rest);
      case "qualify":
        return await qualifyCommand(rest);
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
