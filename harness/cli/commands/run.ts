// `kong-upgrade-harness run <scenario>`: loads a scenario file (a mocha spec) with the options
// given here, runs it, and exits by the verdict in its report.json.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import Mocha from "mocha";
import { pgAuthProblem, type PgAuthChoice } from "../../datastore/postgres-auth.ts";
import { EnvironmentError, HarnessError, InvalidConfigError, unjudgedCause } from "../../errors.ts";
import { engineVersion } from "../../runtime/docker-engine.ts";
import { interruptActiveRun, interruptReason, requestInterrupt, RUN_DEFAULTS, setRunOptions, validateRunOptions, type RunOptions } from "../../scenario/index.ts";
import { RunRecorder } from "../../scenario/run-recorder.ts";
import { setProgress } from "../../scenario/active-run.ts";
import { createProgress, readAcceptFile } from "../../report/index.ts";
import { SystemClock } from "../../traffic/index.ts";
import { reportError, say } from "../console.ts";
import { ExitCode, exitCodeOfVerdict } from "../exit-codes.ts";
import { requireRunImages } from "../image-preflight.ts";
import { requireConfigFits, requireLoadFits } from "../config-preflight.ts";
import type { ImageCheck } from "../../scenario/run-options.ts";
import { readLoadProfile } from "../../load/profile-file.ts";

export interface RunArgs extends Partial<Omit<RunOptions, "reportDir">> { readonly scenario: string; readonly reportDir?: string }

/**
 * First signal: no further step starts, the shift stops at once, and the scenario's own teardown
 * writes the report and removes the containers. Second signal: tear down at once and exit.
 */
export function installInterruptHandlers(abortRunner: () => void): () => void {
  let signals = 0;
  const handler = (signal: NodeJS.Signals): void => {
    if (++signals === 1) {
      process.stderr.write(`\n${signal}: stopping the run, writing its report and removing its containers...\n`);
      requestInterrupt(`interrupted by ${signal}`);
      abortRunner();
      return;
    }
    process.stderr.write(`\n${signal} again: tearing down now\n`);
    void interruptActiveRun(`interrupted by ${signal}`).finally(() => process.exit(ExitCode.Interrupted));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => { process.off("SIGINT", handler); process.off("SIGTERM", handler); };
}

export async function runCommand(args: RunArgs): Promise<ExitCode> {
  const file = resolve(args.scenario);
  if (!existsSync(file)) throw new InvalidConfigError([`scenario file "${args.scenario}" does not exist`], { hint: "run `kong-upgrade-harness list` to see the scenarios" });
  await refuseGivenInput(args);
  const name = file.split("/").pop()!.replace(/\.ts$/, "");
  const reportDir = resolve(args.reportDir ?? RunRecorder.defaultDir(name));
  const stepSummaryPath = process.env.GITHUB_STEP_SUMMARY || undefined;
  // The scenario file's images (given here or its own defaults) are checked as it asks for its options.
  // With the images known, the configuration is read against the old one's version, still before anything starts.
  const { config, load } = args;
  const check: ImageCheck = (faults, images) => {
    requireRunImages(faults, images);
    const parsed = config === undefined ? undefined : requireConfigFits(config, images);
    if (load) requireLoadFits(load, parsed, args.rate ?? RUN_DEFAULTS.rate);
  };
  setRunOptions({ ...Object.fromEntries(Object.entries(args).filter(([k, v]) => k !== "scenario" && v !== undefined)), reportDir, ...(stepSummaryPath ? { stepSummaryPath } : {}) }, check);
  setProgress(createProgress({ write: (t) => process.stdout.write(t), isTTY: !!process.stdout.isTTY, clock: new SystemClock() }));
  const mocha = new Mocha({ timeout: 30 * 60_000, bail: true, reporter: "spec" });
  mocha.addFile(file);
  try {
    await mocha.loadFilesAsync();
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new InvalidConfigError([`scenario "${args.scenario}" could not be loaded: ${msg}`], { hint: "fix the scenario file (it is a mocha spec in TypeScript)" });
  }
  // Announced once the file loaded: options it refuses (runOptions) print only their error.
  const log = say("run");
  log(`Starting scenario ${args.scenario} (report: ${reportDir})`);
  let firstError: unknown;
  let runner: Mocha.Runner | undefined;
  const uninstall = installInterruptHandlers(() => runner?.abort());
  try {
    await new Promise<number>((done) => {
      runner = mocha.run(done);
      runner.on("fail", (_test, err) => { firstError ??= err; });
    });
  } finally {
    uninstall();
    setProgress(undefined);
  }
  if (interruptReason()) {
    await interruptActiveRun(interruptReason()!);
    log(`Interrupted; report: ${resolve(reportDir, "report.json")}`);
    return ExitCode.Interrupted;
  }
  // Bad input met once the run began (an unknown image, an option the image cannot take): exit 2.
  if (firstError instanceof InvalidConfigError) return reportError(firstError);
  const reportPath = resolve(reportDir, "report.json");
  if (!existsSync(reportPath)) {
    process.stderr.write(`error: the scenario wrote no report (${reportPath}); it must build on UpgradeScenario\n`);
    return ExitCode.HarnessFailed;
  }
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as { verdict: "pass" | "fail" | "error"; errorCause?: string | null };
  log(`Verdict: ${report.verdict.toUpperCase()} (report: ${reportPath})`);
  // Not judged: a step failed outside the upgrade (the report says "error"; a lab component found
  // missing outside any step says so only through the error itself).
  const cause = report.errorCause ?? unjudgedCause(firstError);
  if (report.verdict === "error" || cause !== undefined) {
    process.stderr.write(`error: ${cause ?? "the run could not judge the upgrade"}\n`);
    return ExitCode.HarnessFailed;
  }
  return exitCodeOfVerdict(report.verdict);
}

/**
 * What the command line alone shows to be wrong, refused before the scenario file loads (nothing
 * started, nothing written): the options given (the scenario file's own are its author's and are
 * checked as it loads, with its images), and a Docker engine that does not answer.
 */
async function refuseGivenInput(args: RunArgs): Promise<void> {
  const given = Object.fromEntries(Object.entries(args).filter(([k, v]) => k !== "scenario" && k !== "reportDir" && v !== undefined));
  const problems = validateRunOptions({ ...RUN_DEFAULTS, oldImage: "(given)", newImage: "(given)", ...given });
  if (problems.length) throw new InvalidConfigError(problems, { hint: "run `kong-upgrade-harness help`" });
  if (!(await engineVersion())) throw new EnvironmentError("no Docker engine answers `docker info`", { hint: "run `npx kong-upgrade-harness lab` to install and start one" });
}

/** `--config FILE`: a file that is there (its content is checked against the old version once the image is known, before anything starts). */
export function configFlag(values: Readonly<Record<string, string | boolean | undefined>>): string | undefined {
  const v = values.config;
  if (v === undefined) return undefined;
  const file = resolve(String(v));
  if (!existsSync(file)) throw new InvalidConfigError([`--config "${String(v)}" does not exist: give a Kong declarative configuration (YAML or JSON, as \`deck dump\` or \`kong config db_export\` writes it), e.g. examples/storefront/kong.yaml`]);
  return file;
}

export async function parseRunFlagsWithFiles(values: Record<string, string | boolean | undefined>): Promise<Omit<RunArgs, "scenario">> {
  const flags = parseRunFlags(values);
  return { ...flags, ...(values.load === undefined ? {} : { load: await readLoadProfile(String(values.load)) }) };
}

export function parseRunFlags(values: Record<string, string | boolean | undefined>): Omit<RunArgs, "scenario"> {
  const num = (k: string): number | undefined => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidConfigError([`--${k} must be a number, but is "${String(v)}"`]);
    return n;
  };
  const faults: Record<string, string> = {};
  for (const part of String(values.faults ?? "").split(";").map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0) throw new InvalidConfigError([`--faults entry "${part}" must be <cluster or node>=<switches>, e.g. green=proxy-5xx@rate=0.01`]);
    faults[part.slice(0, i)] = part.slice(i + 1);
  }
  const steps = values.steps === undefined ? undefined : String(values.steps).split(",").map(Number);
  const budget = values["downtime-budget-ms"];
  if (budget !== undefined && !/^[1-9]\d*$/.test(String(budget))) {
    throw new InvalidConfigError([`--downtime-budget-ms must be a positive whole number of milliseconds, e.g. 30000, but is "${String(budget)}"`]);
  }
  const pgAuth = values["pg-auth"];
  if (pgAuth !== undefined && pgAuthProblem(pgAuth)) throw new InvalidConfigError([pgAuthProblem(pgAuth)!], { hint: "md5 lets every Kong version log in; scram-sha-256 needs Kong 2.7.0+" });
  const readiness = readinessFlag(values);
  const drift = values["drift-mode"];
  if (drift !== undefined && drift !== "freeze" && drift !== "record") throw new InvalidConfigError([`--drift-mode must be freeze or record, but is "${String(drift)}"`]);
  return {
    oldImage: values.old as string | undefined, newImage: values.new as string | undefined,
    oldNodes: num("old-nodes"), newNodes: num("new-nodes"), seed: num("seed"), rate: num("rate"),
    holdMs: num("hold-ms"), steps, reportDir: values["report-dir"] as string | undefined,
    faults: Object.keys(faults).length ? faults : undefined,
    datastore: values.datastore as RunOptions["datastore"] | undefined,
    pgAuth: pgAuth as PgAuthChoice | undefined,
    downtimeBudgetMs: budget === undefined ? undefined : Number(budget),
    // `record` is the new-keyspace scenario's "drift": writes let through, recorded and re-applied at the cut-over.
    adminWritesAfterExport: drift === undefined ? undefined : drift === "record" ? "drift" : "freeze",
    revokeCredentials: keyRotationFlag(values),
    readiness,
    // Read and validated now: a bad accept file is refused before anything starts.
    accept: values.accept === undefined ? undefined : readAcceptFile(String(values.accept)),
    config: configFlag(values),
    patchUserEntities: values["patch-user-entities"] === true ? true : undefined,
  };
}

/** `--readiness` checked: undefined when not given (RUN_DEFAULTS: status). */
export function readinessFlag(values: Readonly<Record<string, string | boolean | undefined>>): RunOptions["readiness"] | undefined {
  const v = values.readiness;
  if (v === undefined || v === "status" || v === "baseline") return v;
  throw new InvalidConfigError([`--readiness must be status or baseline, but is "${String(v)}"`],
    { hint: "status: a new node gets traffic once GET /status says ready (the default, as load balancers do); baseline: once it answers like the old version" });
}

/**
 * Key rotation as the flags give it: undefined when neither is given (on by default, RUN_DEFAULTS);
 * either flag overrides a scenario file's own choice.
 */
export function keyRotationFlag(values: Readonly<Record<string, string | boolean | undefined>>): boolean | undefined {
  if (values["revoke-credentials"] === true && values["no-revoke-credentials"] === true) {
    throw new InvalidConfigError(["--revoke-credentials and --no-revoke-credentials contradict each other: give one (key rotation is on by default)"]);
  }
  return values["no-revoke-credentials"] === true ? false : values["revoke-credentials"] === true ? true : undefined;
}

export const RUN_FLAG_SPEC = {
  old: { type: "string" }, new: { type: "string" }, "old-nodes": { type: "string" }, "new-nodes": { type: "string" },
  "report-dir": { type: "string" }, seed: { type: "string" }, rate: { type: "string" }, steps: { type: "string" },
  "hold-ms": { type: "string" }, faults: { type: "string" }, datastore: { type: "string" }, "pg-auth": { type: "string" },
  "downtime-budget-ms": { type: "string" }, "drift-mode": { type: "string" }, "revoke-credentials": { type: "boolean" },
  "no-revoke-credentials": { type: "boolean" }, readiness: { type: "string" }, accept: { type: "string" },
  config: { type: "string" }, load: { type: "string" }, "patch-user-entities": { type: "boolean" },
} as const;

export const RUN_HELP = `  run <scenario> [--old IMAGE] [--new IMAGE] [--old-nodes N] [--new-nodes N] [--report-dir DIR]
                 [--seed N] [--rate N] [--steps 0,5,...,100] [--hold-ms MS] [--datastore postgres|cassandra]
                 [--faults "green=switch@scope;blue-1=..."] [--pg-auth auto|md5|scram-sha-256]
                 [--downtime-budget-ms MS] [--drift-mode freeze|record]
                 [--no-revoke-credentials] [--readiness status|baseline] [--accept FILE]
                 [--config FILE] [--load load/PROFILE.ts] [--patch-user-entities]
                   run a scenario; exit 0 when every check passes, 1 when one fails, 3 when a
                   step fails for a reason outside the upgrade (report.json's verdict "error")
                   (defaults: ${RUN_DEFAULTS.oldNodes}+${RUN_DEFAULTS.newNodes} nodes, ${RUN_DEFAULTS.rate} req/s, steps ${RUN_DEFAULTS.steps.join(",")})
                   --faults: stand-in images only (kong-standin:<version>); refused on real Kong
                   --seed: draws what a chaos scenario chooses at random (fault targets and offsets;
                   0-4294967295, default ${RUN_DEFAULTS.seed}, in the report); refused by scenarios that draw nothing
                   --pg-auth: the password authentication the Postgres datastore asks for; auto
                   (default): md5 when an image is a Kong before 2.7.0 (its Postgres client, pgmoon
                   < 1.13, has no SCRAM), else scram-sha-256
                   --downtime-budget-ms: Cassandra in place, the longest accepted downtime window
                   (default: the scenario file's; scenarios/cassandra-in-place.ts sets 60000)
                   --drift-mode: Cassandra new keyspace, Admin writes after \`kong config db_export\`:
                   freeze (default: refused until the cut-over) or record (let through, re-applied
                   on the new keyspace at the cut-over); other scenarios ignore both
                   --no-revoke-credentials: the Admin workload does not rotate keys. By default it
                   does (a new key for a consumer, the old one deleted), each checked on every node
                   like any write; across Kong 2.0 -> 2.1+ the revoked keys stay valid on the new
                   nodes and the run fails (README: "Upgrade hazards found in real Kong")
                   --accept FILE: acknowledged findings (YAML; examples/accept-kong-unenforced-old-node.yaml):
                   a failure an entry matches is reported as accepted and does not fail the run;
                   an entry that matched nothing is reported stale (README: "Acknowledged findings")
                   --config FILE: your Kong declarative configuration (_format_version 1.1, 2.1 or
                   3.0; deck dump / kong config db_export) seeds the old cluster instead of the
                   built-in one; probes are generated for every route and their answers learned
                   from the old cluster; its services are pointed at the harness's echo upstream;
                   its secrets are redacted from every report file
                   --load FILE: a load profile (load/default.ts, read-heavy.ts, auth-mix.ts,
                   access-log-replay.ts, storefront.ts; load/README.md says how to write one)
                   --patch-user-entities: after finish also PATCH each of your entities with its
                   own unchanged body (by default they are only read)`;
