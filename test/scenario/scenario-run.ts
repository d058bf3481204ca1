// Runs scenarios/postgres-blue-green.ts through the real CLI (a child process, as users and CI
// run it) against stand-in images, and reads the verdicts back from its report.json.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { WriteOutcome } from "../../harness/checks/admin-writes-propagated.ts";
import type { Report, ReportCheck } from "../../harness/report/index.ts";
import { runCli, type CliResult } from "../support/cli.ts";

export const SCENARIO = "scenarios/postgres-blue-green.ts";

/** Issue 4's clean qualification run, kept short but faithful (every step, the default weight plan). */
export const CLEAN_RUN = { old: "1.5.1", new: "2.6.0", rate: 100, holdMs: 1_500, oldNodes: 2, newNodes: 2 } as const;
/**
 * The demo pair without key rotation: with it, 1.5.1 -> 2.6.0 shows the revoked-key finding (see
 * expectRevokedKeysFinding); without, it is the one stand-in run that passes every check, which
 * the report tests render as their passing report.
 */
export const CLEAN_RUN_WITHOUT_ROTATION = { ...CLEAN_RUN, flags: ["--no-revoke-credentials"], attempt: 1 } as const;
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
  check(id: string): ReportCheck;
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
    check(id: string): ReportCheck {
      const c = byId.get(id);
      expect(c, `check "${id}" is not in ${path} (checks: ${[...byId.keys()].join(", ")})`).to.not.equal(undefined);
      return c!;
    },
  };
}

/**
 * Key rotation during the shift: a new key for a consumer, its old one deleted (see plannedWrites).
 * On by default; the flag says so explicitly.
 */
export const ROTATION_FLAGS = ["--revoke-credentials"] as const;
/** Key rotation off: only for a run whose purpose the rotation finding would blur (each use says why). */
export const NO_ROTATION_FLAGS = CLEAN_RUN_WITHOUT_ROTATION.flags;

/**
 * The finding of key rotation across Kong 2.0 -> 2.1+ (from 1.5 too): every key deleted through an
 * old node is never seen refused on any new node, during the shift and after finish, while the
 * rotated-in keys and every other write reach every node. admin-writes-propagated names each
 * deletion and Kong 2.1's cache-key change as the cause; state-after-finish names the keys still
 * accepted. Returns the deletions.
 */
export function expectRevokedKeysFinding(run: ScenarioRun): WriteOutcome[] {
  const { old: oldV, new: newV } = run.report.versions;
  const green = (JSON.parse(readFileSync(join(run.reportDir, "expectations.json"), "utf8")) as { nodes: { green: string[] } }).nodes.green;
  const deletes = keyWrites(run).filter((w) => w.action === "delete");
  expect(deletes.length, `keys revoked during the run\n${describeChecks(run)}`).to.be.at.least(1);
  for (const d of deletes) {
    expect([d.type, d.missingOn], d.writeId).to.deep.equal(["ok", green]);
    expect(d.via, `${d.writeId}: revoked through an old node`).to.match(/^blue-\d+$/);
    expect(Object.keys(d.lags).filter((node) => green.includes(node)), `${d.writeId}: refused on no new node`).to.deep.equal([]);
  }
  const rotatedIn = keyWrites(run).filter((w) => w.action === "create" && w.entity.endsWith("-r"));
  expect(rotatedIn.length, "keys rotated in").to.be.at.least(1);
  for (const w of rotatedIn) expect(w.missingOn, w.writeId).to.deep.equal([]);
  const c = run.check("admin-writes-propagated");
  expect(c.status, describeChecks(run)).to.equal("fail");
  // Only the deletions are problems (one each, naming every new node), and the cause is named.
  expect(c.message).to.match(new RegExp(`^${deletes.length === 1 ? "1 problem" : `${deletes.length} problems`} with Admin writes: `));
  for (const d of deletes.slice(0, 5)) expect(c.message).to.contain(`write ${d.writeId} (delete ${d.entity} via ${d.via} during ${d.during}) never seen on ${green.join(", ")}`);
  expect(c.message).to.match(new RegExp(`; likely cause: Kong 2\\.1's cache-key change \\(entity invalidations from ${oldV} nodes never reach ${newV} nodes, see the diagnosis\\)$`));
  expect(c.evidence.filter((x) => x.startsWith("diagnosis: ")), "the diagnosis names every lost deletion").to.deep.equal([`diagnosis: ${deletes.length} of the lost writes (${deletes.map((d) => `delete ${d.entity}`).join(", ")}) `
    + `changed an entity cached by its own key, through a ${oldV} node; ${newV} nodes never see such invalidations, because Kong 2.1 added the workspace id to entity cache keys `
    + "(`<table>:<key>::::` became `<table>:<key>:::::<ws_id>`), so they keep serving the cached entity (kong-reference §5.2)"]);
  const after = run.check("state-after-finish");
  expect(after.status).to.equal("fail");
  const { wrong, unpropagated } = after.data as { wrong: string[]; unpropagated: string[] };
  // Each revoked key, on each new node, and nothing else.
  expect([...wrong].sort(), after.message).to.deep.equal(deletes.flatMap((d) => green.map((node) => `${d.entity} on ${node} (seen: status 200)`)).sort());
  expect(unpropagated, after.message).to.deep.equal([]);
  expect(after.message).to.equal(`after finish: ${wrong.length} entity checks wrong on the new cluster: ${wrong.slice(0, 5).join(", ")}${wrong.length > 5 ? ", ..." : ""}`);
  return deletes;
}

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
