// `kong-upgrade-harness run --path --from X --to Y [--datastore D]`: the seed's upgrade path as a
// chain of hops (harness/plan), each run by its procedure's scenario, one after the other.
// Each hop runs in its own CLI process with its own datastore and report directory under one
// parent directory, which gets `path.json`: the plan, the verdict per hop and overall.
// (Not yet: all hops on ONE datastore with one report; see the issue 5 closing note.)
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidConfigError } from "../../errors.ts";
import { describePlan, planUpgrade, releaseFor, scenarioFor, type Hop } from "../../plan/index.ts";
import { PROJECT_ROOT } from "../../runtime/lab-state.ts";
import { say } from "../console.ts";
import { ExitCode } from "../exit-codes.ts";

export interface RunPathArgs {
  readonly from?: string;
  readonly to?: string;
  readonly datastore?: string;
  /** Image of a version; "{version}" is replaced. Default "kong:{version}". */
  readonly imageTemplate?: string;
  /** Releases to pick for series stops ("1.5.x"), comma-separated. */
  readonly releases?: string;
  readonly reportDir?: string;
  /** Flags passed on to every hop's `run` (rate, hold-ms, nodes, ...). */
  readonly passThrough: readonly string[];
}

export interface HopOutcome {
  readonly index: number; readonly from: string; readonly to: string; readonly procedure: string; readonly scenario: string;
  readonly oldImage: string; readonly newImage: string; readonly reportDir: string;
  readonly verdict: "pass" | "fail" | "error"; readonly exitCode: number | null; readonly durationMs: number;
}

/** The hops of a plan with the releases and images to run; throws InvalidConfigError listing every problem. */
export function resolveHops(hops: readonly Hop[], image: (v: string) => string, releases: readonly string[]): { hop: Hop; scenario: string; oldImage: string; newImage: string }[] {
  const problems: string[] = [];
  const out = hops.map((hop) => {
    const from = releaseFor(hop.from, releases);
    const to = releaseFor(hop.to, releases, hop.toAtLeast);
    if (!from) problems.push(`no release for "${hop.from}": give it with --releases`);
    if (!to) problems.push(`no release for "${hop.to}"${hop.toAtLeast ? ` (at least ${hop.toAtLeast})` : ""}: give it with --releases`);
    let scenario = "";
    try { scenario = scenarioFor(hop); } catch (err) { problems.push(err instanceof Error ? err.message : String(err)); }
    return { hop, scenario, oldImage: image(from ?? hop.from), newImage: image(to ?? hop.to) };
  });
  if (problems.length) throw new InvalidConfigError(problems, { hint: "see `kong-upgrade-harness plan --from X --to Y`" });
  return out;
}

function runHop(args: readonly string[], logFile: string): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin/kong-upgrade-harness.mjs"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const log = createWriteStream(logFile);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on("close", (code) => done(code));
  });
}

export async function runPathCommand(a: RunPathArgs): Promise<ExitCode> {
  if (!a.from || !a.to) throw new InvalidConfigError(["`run --path` needs --from and --to"], { hint: "e.g. run --path --from 2.0.5 --to 2.6.0 --datastore cassandra" });
  const plan = planUpgrade({ from: a.from, to: a.to, ...(a.datastore ? { datastore: a.datastore } : {}) });
  if (plan.refusals.length) throw new InvalidConfigError(plan.refusals.map((r) => r.message));
  const template = a.imageTemplate ?? "kong:{version}";
  if (!template.includes("{version}")) throw new InvalidConfigError([`--image-template must contain {version}, but is "${template}"`]);
  const releases = [a.from, a.to, ...(a.releases ?? "").split(",").map((s) => s.trim()).filter(Boolean)];
  const hops = resolveHops(plan.hops, (v) => template.replaceAll("{version}", v), releases);
  const parent = resolve(a.reportDir ?? join(PROJECT_ROOT, "reports/runs", `path-${a.from}-to-${a.to}-${new Date().toISOString().replace(/[:.]/g, "-")}`));
  mkdirSync(parent, { recursive: true });
  const log = say("run");
  log(`Starting the upgrade path ${a.from} -> ${a.to} (${hops.length} hops; report: ${parent})\n${describePlan(plan)}`);
  const outcomes: HopOutcome[] = [];
  for (const [i, h] of hops.entries()) {
    const dir = join(parent, `hop-${i + 1}-${h.hop.from}-to-${h.hop.to}`);
    mkdirSync(dir, { recursive: true });
    const started = Date.now();
    log(`Starting hop ${i + 1}/${hops.length}: ${h.oldImage} -> ${h.newImage} (${h.hop.procedure}, ${h.scenario})`);
    const code = await runHop(["run", h.scenario, "--old", h.oldImage, "--new", h.newImage, "--datastore", h.hop.datastore, "--report-dir", dir, ...a.passThrough], join(dir, "run.log"));
    const reportFile = join(dir, "report.json");
    const verdict = existsSync(reportFile) ? ((JSON.parse(readFileSync(reportFile, "utf8")) as { verdict: "pass" | "fail" }).verdict) : "error";
    outcomes.push({ index: i + 1, from: h.hop.from, to: h.hop.to, procedure: h.hop.procedure, scenario: h.scenario, oldImage: h.oldImage, newImage: h.newImage, reportDir: dir, verdict, exitCode: code, durationMs: Date.now() - started });
    log(`Finished hop ${i + 1}: ${verdict.toUpperCase()} (exit ${code ?? "none"}; ${dir})`);
  }
  const overall = outcomes.every((o) => o.verdict === "pass") ? "pass" : outcomes.some((o) => o.verdict === "error") ? "error" : "fail";
  writeFileSync(join(parent, "path.json"), `${JSON.stringify({ from: a.from, to: a.to, datastore: plan.datastore, verdict: overall, plan, hops: outcomes }, null, 2)}\n`);
  log(`Verdict: ${overall.toUpperCase()} (${join(parent, "path.json")})`);
  return overall === "pass" ? ExitCode.Ok : overall === "fail" ? ExitCode.ChecksFailed : ExitCode.HarnessFailed;
}
