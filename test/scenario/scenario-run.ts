// Runs scenarios/postgres-blue-green.ts through the real CLI (a child process, as users and CI
// run it) against stand-in images, and reads the verdicts back from its report.json.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { WriteOutcome } from "../../harness/checks/admin-writes-propagated.ts";
import type { CheckResult } from "../../harness/checks/index.ts";
import type { Report } from "../../harness/report/index.ts";
import { runCli, type CliResult } from "../support/cli.ts";

export const SCENARIO = "scenarios/postgres-blue-green.ts";

/** Issue 4's clean qualification run, kept short but faithful (every step, the default weight plan). */
export const CLEAN_RUN = { old: "1.5.1", new: "2.6.0", rate: 100, holdMs: 1_500, oldNodes: 2, newNodes: 2 } as const;
/** The fault run the proxy-5xx row asserts on; the report tests render the same run. */
export const PROXY_5XX_RUN = { old: "1.5.1", new: "2.6.0", steps: [0, 50, 100], faults: "green-1=proxy-5xx@rate=0.02" } as const;

export interface ScenarioArgs {
  /** Stand-in versions, e.g. "1.5.1" -> kong-standin:1.5.1. */
  readonly old: string;
  readonly new: string;
  /** `--faults` value, e.g. "green=up-stall@for=12000". */
  readonly faults?: string;
  readonly rate?: number;
  readonly holdMs?: number;
  readonly oldNodes?: number;
  readonly newNodes?: number;
  /** Further CLI flags, e.g. ["--revoke-credentials"]. */
  readonly flags?: readonly string[];
  /** Shift steps; default the scenario's (0,5,10,25,50,75,100). */
  readonly steps?: readonly number[];
  /** Kill the CLI after this long (it must never hang). */
  readonly timeoutMs?: number;
  /** Tells apart repeated runs with the same arguments in runScenarioOnce (not passed to the CLI). */
  readonly attempt?: number;
}

export interface ScenarioRun {
  readonly cli: CliResult;
  readonly report: Report;
  readonly reportDir: string;
  check(id: string): CheckResult;
  /** Ids of the checks whose status is not "pass". */
  readonly notPassing: readonly string[];
}

export function scenarioArgs(a: ScenarioArgs, reportDir: string): string[] {
  const args = ["run", SCENARIO, "--old", `kong-standin:${a.old}`, "--new", `kong-standin:${a.new}`, "--report-dir", reportDir,
    "--rate", String(a.rate ?? 100), "--hold-ms", String(a.holdMs ?? 1_000),
    "--old-nodes", String(a.oldNodes ?? 1), "--new-nodes", String(a.newNodes ?? 2)];
  if (a.steps) args.push("--steps", a.steps.join(","));
  if (a.faults) args.push("--faults", a.faults);
  if (a.flags) args.push(...a.flags);
  return args;
}

/** One run; fails the test (with the CLI's output) when no report.json was written. */
export async function runScenario(a: ScenarioArgs): Promise<ScenarioRun> {
  const reportDir = mkdtempSync(join(tmpdir(), "kuh-scenario-"));
  const cli = await runCli(scenarioArgs(a, reportDir), {}, a.timeoutMs ?? 240_000);
  const path = join(reportDir, "report.json");
  expect(existsSync(path), `no report.json after \`${scenarioArgs(a, reportDir).join(" ")}\` (exit ${cli.code}):\n${cli.stdout.slice(-3000)}\n${cli.stderr.slice(-2000)}`).to.equal(true);
  const report = JSON.parse(readFileSync(path, "utf8")) as Report;
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  return {
    cli, report, reportDir,
    notPassing: report.checks.filter((c) => c.status !== "pass").map((c) => c.id),
    check(id: string): CheckResult {
      const c = byId.get(id);
      expect(c, `check "${id}" is not in ${path} (checks: ${[...byId.keys()].join(", ")})`).to.not.equal(undefined);
      return c!;
    },
  };
}

/** Key rotation during the shift: a new key for a consumer, its old one deleted (see plannedWrites). */
export const ROTATION_FLAGS = ["--revoke-credentials"] as const;

/** The key-auth writes of a run, as admin-writes-propagated judged them. */
export function keyWrites(run: ScenarioRun): WriteOutcome[] {
  const data = run.check("admin-writes-propagated").data as { writes: WriteOutcome[] } | undefined;
  return (data?.writes ?? []).filter((w) => w.entity.startsWith("keyauth_credentials/"));
}

/** "id: status: message" for every check that did not pass: the assertion messages show it all. */
export const describeChecks = (run: ScenarioRun): string =>
  run.report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.status}: ${c.message}`).join("\n") || "(every check passed)";

const memo = new Map<string, Promise<ScenarioRun>>();

/**
 * The same run shared by every test file in one mocha process (runs take most of the suite's
 * time): the report tests judge the very runs the scenario tests assert on.
 */
export function runScenarioOnce(a: ScenarioArgs): Promise<ScenarioRun> {
  const key = JSON.stringify(Object.entries(a).sort());
  let run = memo.get(key);
  if (!run) memo.set(key, (run = runScenario(a)));
  return run;
}
