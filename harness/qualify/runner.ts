// Runs a qualification matrix one pair at a time (the machine's means: one scenario at a time),
// each as a child process of the CLI (`run <scenario> --old --new --report-dir`), so every run has
// its own process, mocha instance and cleanup. The runner is injected, so the loop is unit-tested.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES } from "../checks/index.ts";
import { HarnessError } from "../errors.ts";
import { readReport } from "../report/html/index.ts";
import { renderReports } from "../report/render.ts";
import type { Report } from "../report/report.ts";
import { PROJECT_ROOT } from "../runtime/lab-state.ts";
import type { PlannedPair } from "./matrix.ts";

export interface PairRun { readonly exitCode: number | null; readonly error?: string }

/** Runs one pair's scenario, writing its run into reportDir. */
export type PairRunner = (pair: PlannedPair, reportDir: string, signal: AbortSignal) => Promise<PairRun>;

export interface PairOutcome {
  readonly pair: PlannedPair;
  /**
   * pass: every check passed; fail: checks failed (exit 1); error: the run did not judge the upgrade
   * (its report.json says "error": a step failed outside the upgrade, exit 3), or could not be judged at all.
   */
  readonly verdict: "pass" | "fail" | "error";
  readonly exitCode: number | null;
  readonly reportDir: string;
  readonly report: Report | null;
  readonly durationMs: number;
  readonly error?: string;
}

export interface RunMatrixOptions {
  readonly outDir: string;
  readonly runPair: PairRunner;
  readonly clock: { now(): number };
  readonly signal?: AbortSignal;
  /** One line per event ("Starting 2.5.1 -> 2.6.0 on postgres...", "Finished ... PASS"); the CLI prints them. */
  readonly onEvent?: (line: string) => void;
}

function outcomeOf(pair: PlannedPair, reportDir: string, run: PairRun, durationMs: number): PairOutcome {
  const file = join(reportDir, RUN_FILES.report);
  let report: Report | null = null;
  let error = run.error;
  if (existsSync(file)) {
    try {
      report = readReport(file);
    } catch (err) {
      error ??= err instanceof Error ? err.message : String(err);
    }
  } else error ??= `the run wrote no ${RUN_FILES.report} (exit ${run.exitCode ?? "none"}; see ${join(reportDir, "run.log")})`;
  if (report?.verdict === "error") error ??= report.errorCause ?? "the run did not judge the upgrade";
  const judged = report !== null && report.verdict !== "error" && (run.exitCode === 0 || run.exitCode === 1);
  const verdict = !judged ? "error" : report!.verdict === "pass" && run.exitCode === 0 ? "pass" : "fail";
  return { pair, verdict, exitCode: run.exitCode, reportDir, report, durationMs, ...(error && verdict === "error" ? { error } : {}) };
}

/** Runs every pair in order; an aborted signal stops before the next pair. */
export async function runMatrix(pairs: readonly PlannedPair[], options: RunMatrixOptions): Promise<PairOutcome[]> {
  const signal = options.signal ?? new AbortController().signal;
  const outcomes: PairOutcome[] = [];
  for (const [i, pair] of pairs.entries()) {
    if (signal.aborted) break;
    const reportDir = join(options.outDir, pair.id);
    mkdirSync(reportDir, { recursive: true });
    options.onEvent?.(`Starting ${i + 1}/${pairs.length}: ${pair.from} -> ${pair.target} on ${pair.datastore} (${pair.procedure}: ${pair.oldImage} -> ${pair.newImage})`);
    const t0 = options.clock.now();
    let run: PairRun;
    try {
      run = await options.runPair(pair, reportDir, signal);
    } catch (err) {
      run = { exitCode: null, error: err instanceof Error ? err.message : String(err) };
    }
    const outcome = outcomeOf(pair, reportDir, run, options.clock.now() - t0);
    if (outcome.report) {
      try {
        await renderReports(reportDir);
      } catch (err) {
        options.onEvent?.(`Could not render the reports of ${pair.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    options.onEvent?.(`Finished ${pair.id}: ${outcome.verdict.toUpperCase()}${outcome.error ? ` (${outcome.error})` : ""} in ${(outcome.durationMs / 1000).toFixed(0)} s`);
    outcomes.push(outcome);
  }
  return outcomes;
}

export interface ChildRunnerOptions {
  /** Extra `run` flags for every pair (e.g. ["--rate", "100"]). */
  readonly runArgs?: readonly string[];
  /** Environment of the child (the CLI passes its own, minus GITHUB_STEP_SUMMARY). */
  readonly env?: NodeJS.ProcessEnv;
  /** Per-pair time budget; default 40 minutes. */
  readonly timeoutMs?: number;
}

/** A PairRunner that runs `kong-upgrade-harness run` as a child process; its output goes to <reportDir>/run.log. */
export function childProcessRunner(options: ChildRunnerOptions = {}): PairRunner {
  const timeoutMs = options.timeoutMs ?? 40 * 60_000;
  return (pair, reportDir, signal) => new Promise<PairRun>((resolve, reject) => {
    const args = [join(PROJECT_ROOT, "bin/kong-upgrade-harness.mjs"), "run", pair.scenario, "--old", pair.oldImage, "--new", pair.newImage,
      "--datastore", pair.datastore, "--report-dir", reportDir, ...(options.runArgs ?? [])];
    const log = createWriteStream(join(reportDir, "run.log"));
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let reason: string | undefined;
    const stop = (why: string): void => { reason = why; child.kill("SIGINT"); setTimeout(() => child.kill("SIGKILL"), 60_000).unref(); };
    const timer = setTimeout(() => stop(`run of ${pair.id} did not finish within ${timeoutMs} ms`), timeoutMs);
    const onAbort = (): void => stop(`qualification aborted during ${pair.id}`);
    signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", (err) => { clearTimeout(timer); log.end(); reject(new HarnessError(`could not start the run of ${pair.id}: ${err.message}`, { cause: err })); });
    child.on("close", (code) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      log.end();
      resolve({ exitCode: code, ...(reason ? { error: reason } : {}) });
    });
  });
}
