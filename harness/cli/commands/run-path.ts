// `kong-upgrade-harness run --path --from X --to Y [--datastore D]`: the seed's upgrade path
// (harness/plan) run as ONE scenario: one datastore, bootstrapped and seeded once, each hop's
// procedure on it in turn, one run directory and one report.json with every hop.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EnvironmentError, InvalidConfigError } from "../../errors.ts";
import { describePlan, FRESH, planUpgrade, releaseFor, scenarioFor, type Hop } from "../../plan/index.ts";
import { createProgress, formatSummary, type HopReport } from "../../report/index.ts";
import { engineVersion } from "../../runtime/docker-engine.ts";
import { PROJECT_ROOT } from "../../runtime/lab-state.ts";
import { RUN_DEFAULTS, validateRunOptions, type RunOptions } from "../../scenario/index.ts";
import { setProgress } from "../../scenario/active-run.ts";
import { PathScenario, type PathHop, type PathListener } from "../../scenario/path-scenario.ts";
import { SystemClock } from "../../traffic/index.ts";
import { reportError, say } from "../console.ts";
import { ExitCode, exitCodeOfVerdict } from "../exit-codes.ts";
import { requireRunImages } from "../image-preflight.ts";
import { installInterruptHandlers, parseRunFlags, RUN_FLAG_SPEC } from "./run.ts";
import { readLoadProfile } from "../../load/profile-file.ts";
import { requireConfigFits } from "../config-preflight.ts";

const PATH_FLAG_SPEC = { path: { type: "boolean" }, from: { type: "string" }, to: { type: "string" }, "image-template": { type: "string" }, releases: { type: "string" } } as const;

export const RUN_PATH_HELP = `  run --path --from X --to Y [--datastore D] [--image-template kong:{version}] [--releases 1.5.1,...] [run flags]
                   run the seed's upgrade path (see \`plan\`) as one scenario on one datastore: seeded
                   once, each hop's procedure in turn on the data the previous hop left; one report
                   (report.json's \`hops\`, check ids prefixed hop-1-, hop-2-, ...)`;

/** The hops of a plan with the releases and images to run; throws InvalidConfigError listing every problem. */
export function resolveHops(hops: readonly Hop[], image: (v: string) => string, releases: readonly string[]): PathHop[] {
  const problems: string[] = [];
  let previous: string | undefined;
  const out = hops.map((hop, i): PathHop => {
    // A hop starts on exactly the release the previous one upgraded to.
    const from = i === 0 ? releaseFor(hop.from, releases) : previous;
    const to = (previous = releaseFor(hop.to, releases, hop.toAtLeast));
    if (!from && i === 0) problems.push(`no release for "${hop.from}": give it with --releases`);
    if (!to) problems.push(`no release for "${hop.to}"${hop.toAtLeast ? ` (at least ${hop.toAtLeast})` : ""}: give it with --releases`);
    try { scenarioFor(hop); } catch (err) { problems.push(err instanceof Error ? err.message : String(err)); }
    return { from: hop.from, to: hop.to, procedure: hop.procedure, oldImage: image(from ?? hop.from), newImage: image(to ?? hop.to) };
  });
  if (problems.length) throw new InvalidConfigError(problems, { hint: "see `kong-upgrade-harness plan --from X --to Y`" });
  return out;
}

/**
 * Every input problem found before any container starts: one line each, exit 2. `run` holds the
 * run flags (key rotation included) that every hop's scenario gets.
 */
export function pathFromFlags(args: readonly string[]): { hops: PathHop[]; plan: ReturnType<typeof planUpgrade>; run: Omit<RunOptions, "oldImage" | "newImage">; reportDir?: string } {
  const { values } = parseArgs({ args: [...args], options: { ...RUN_FLAG_SPEC, ...PATH_FLAG_SPEC }, strict: true });
  if (values.old !== undefined || values.new !== undefined) throw new InvalidConfigError(["`run --path` takes --from and --to, not --old and --new"]);
  if (!values.from || !values.to) throw new InvalidConfigError(["`run --path` needs --from and --to"], { hint: "e.g. run --path --from 2.5.1 --to 3.0.1" });
  if (values.from === FRESH) throw new InvalidConfigError(["`run --path` upgrades between versions; a fresh install is one scenario"], { hint: "run scenarios/fresh-install.ts --new IMAGE" });
  // No hop's procedure draws anything at random: a seed would be recorded and change nothing.
  if (values.seed !== undefined) throw new InvalidConfigError(["`run --path` draws nothing at random: leave --seed out (it is for the chaos scenarios' fault schedules)"]);
  const flags = parseRunFlags(values);
  const plan = planUpgrade({ from: values.from, to: values.to, ...(values.datastore ? { datastore: values.datastore } : {}) });
  if (plan.refusals.length) throw new InvalidConfigError(plan.refusals.map((r) => r.message));
  const template = values["image-template"] ?? "kong:{version}";
  if (!template.includes("{version}")) throw new InvalidConfigError([`--image-template must contain {version}, but is "${template}"`]);
  const releases = [values.from, values.to, ...(values.releases ?? "").split(",").map((s) => s.trim()).filter(Boolean)];
  const hops = resolveHops(plan.hops, (v) => template.replaceAll("{version}", v), releases);
  const given = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && !["oldImage", "newImage", "reportDir", "datastore"].includes(k)));
  const stepSummaryPath = process.env.GITHUB_STEP_SUMMARY || undefined;
  const run = { ...RUN_DEFAULTS, ...given, datastore: plan.datastore as RunOptions["datastore"], ...(stepSummaryPath ? { stepSummaryPath } : {}) };
  const problems = validateRunOptions({ ...run, oldImage: hops[0]!.oldImage, newImage: hops[0]!.newImage });
  if (problems.length) throw new InvalidConfigError(problems, { hint: "run `kong-upgrade-harness help`" });
  return { hops, plan, run, ...(flags.reportDir ? { reportDir: flags.reportDir } : {}) };
}

/** Progress per hop: its own live line, phases named "hop 1/2 MigrationsUp"; a verdict line when it ends. */
function hopProgress(total: number, log: (line: string) => void): PathListener {
  let current: ReturnType<typeof createProgress> | undefined;
  return {
    hopStarted(index, hop) {
      log(`Starting hop ${index}/${total}: ${hop.oldImage} -> ${hop.newImage} (${hop.procedure})${index > 1 ? `, on the data hop ${index - 1} left` : ""}`);
      const p = (current = createProgress({ write: (t) => process.stdout.write(t), isTTY: !!process.stdout.isTTY, clock: new SystemClock() }));
      setProgress({ phase: (name) => p.phase(`hop ${index}/${total} ${name}`), step: (w) => p.step(w), tick: (s) => p.tick(s), note: (t) => p.note(`hop ${index}/${total} ${t}`), close: (f) => p.close(f) });
    },
    hopEnded(index, h: HopReport) {
      current?.close();
      setProgress(undefined);
      const c = h.counts;
      log(`Finished hop ${index}/${total}: ${h.verdict.toUpperCase()} (${c.fail} failed, ${c.unknown} unknown, ${c.pass} passed checks${h.failedStep ? `; step failed: ${h.failedStep}` : ""})`);
      for (const x of h.checks.filter((k) => k.status !== "pass")) log(`  hop-${index}-${x.id}: ${x.status}: ${x.message}`);
    },
  };
}

export async function runPathCommand(args: readonly string[]): Promise<ExitCode> {
  const { hops, plan, run: flagged, reportDir } = pathFromFlags(args);
  const { values } = parseArgs({ args: [...args], options: { ...RUN_FLAG_SPEC, ...PATH_FLAG_SPEC }, strict: true });
  // A load profile is a module: loaded once here, every hop drives it.
  const run = values.load === undefined ? flagged : { ...flagged, load: await readLoadProfile(String(values.load)) };
  if (!(await engineVersion())) throw new EnvironmentError("no Docker engine answers `docker info`", { hint: "run `npx kong-upgrade-harness lab` to install and start one" });
  // Every hop's images before the path's folder and datastore exist.
  requireRunImages(run.faults, hops.map((h) => ({ old: h.oldImage, new: h.newImage })));
  // The configuration seeds the first hop's old cluster; every hop's stand-in must model its plugins.
  if (run.config !== undefined) for (const h of hops) requireConfigFits(run.config, { old: hops[0]!.oldImage, new: h.newImage });
  const dir = resolve(reportDir ?? join(PROJECT_ROOT, "reports/runs", `path-${plan.from}-to-${plan.to}-${new Date().toISOString().replace(/[:.]/g, "-")}`));
  const log = say("run");
  log(`Starting the upgrade path ${plan.from} -> ${plan.to} on ${plan.datastore}: ${hops.length} hops on one datastore (report: ${dir})\n${describePlan(plan)}`);
  const path = new PathScenario(hops, { run }, dir, hopProgress(hops.length, log));
  const uninstall = installInterruptHandlers(() => undefined);
  let report;
  try {
    report = await path.run();
  } finally {
    uninstall();
  }
  process.stdout.write(`\n${formatSummary(report, { reportPath: join(dir, "report.json") })}\n`);
  if (report.interrupted) {
    log(`Interrupted; report: ${join(dir, "report.json")}`);
    return ExitCode.Interrupted;
  }
  if (path.stepError instanceof InvalidConfigError) return reportError(path.stepError);
  log(`Verdict: ${report.verdict.toUpperCase()} (report: ${join(dir, "report.json")})`);
  if (report.verdict === "error") {
    process.stderr.write(`error: ${report.errorCause ?? "the path could not judge the upgrade"}\n`);
    return ExitCode.HarnessFailed;
  }
  if (report.hops?.every((h) => !h.ran)) return ExitCode.HarnessFailed;
  return exitCodeOfVerdict(report.verdict);
}
