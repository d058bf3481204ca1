// The run's recording side: its folder, clock, history, expectations and report. Everything the
// scenario does is written here first; checks and the report read it afterwards.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { BLUE_GREEN_CHECKS, F, History, writeExpectations, type Check, type CheckExpectations, type MigrationCommandValue, type UpgradePhase } from "../checks/index.ts";
import { analyzeRun, writeReportSync, type AcceptList, type ImageUse, type Report, type ReportInput } from "../report/index.ts";
import { loadRunContext } from "../checks/index.ts";
import { PROJECT_ROOT } from "../runtime/lab-state.ts";
import { HarnessError, unjudgedCause } from "../errors.ts";
import { interruptReason, progress } from "./active-run.ts";
import { renderReports } from "../report/render.ts";
import { redactAndRender } from "../report/redact-files.ts";
import { SystemClock } from "../traffic/index.ts";
import type { OneShotResult } from "../runtime/one-shot.ts";

export class RunRecorder {
  readonly clock = new SystemClock();
  /** Epoch time of the clock's origin, so records can be aligned with Kong's per-second windows. */
  readonly clockOriginEpochMs = Date.now() - this.clock.now();
  readonly history: History;
  readonly startedAt = new Date().toISOString();
  readonly errors: string[] = [];
  images: ImageUse[] = [];
  versions: { old?: string; new?: string } = {};
  /** Set when a step failed for a reason outside the upgrade: the report's verdict is then "error". */
  errorCause?: string;
  private openPhase?: { phase: UpgradePhase; op: ReturnType<History["invoke"]> };
  private reported?: Report;
  /** Values no file of the run may show (redactRunFiles). */
  private readonly secrets = new Set<string>();

  /** `checks`: the scenario's check list, in report order (default: the blue/green list); `accept`: acknowledged findings (`--accept`). */
  constructor(readonly scenario: string, readonly runDir: string, private readonly stepSummaryPath?: string, readonly checks: readonly Check[] = BLUE_GREEN_CHECKS,
    private readonly accept?: AcceptList) {
    mkdirSync(runDir, { recursive: true });
    this.history = new History(this.clock, join(runDir, "history.jsonl"));
  }

  static defaultDir(scenario: string): string {
    return resolve(PROJECT_ROOT, "reports/runs", `${scenario}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  }

  now(): number { return this.clock.now(); }

  /** The phase under way, if any. */
  get currentPhase(): UpgradePhase | undefined { return this.openPhase?.phase; }

  /** Runs one phase of the procedure: a `phase` op around it, failing when it throws. */
  async phase<R>(phase: UpgradePhase, fn: () => Promise<R>): Promise<R> {
    const interrupted = interruptReason();
    if (interrupted) throw new HarnessError(`phase ${phase} not started: the run was ${interrupted}`);
    if (this.openPhase) throw new Error(`phase ${phase} started while ${this.openPhase.phase} is open`);
    const op = this.history.invoke("phases", F.phase, { phase });
    this.openPhase = { phase, op };
    progress().phase(phase);
    try {
      const r = await fn();
      this.history.ok(op);
      return r;
    } catch (err) {
      this.history.fail(op, err instanceof Error ? err.message : String(err));
      this.noteUnjudged(err);
      throw err;
    } finally {
      this.openPhase = undefined;
    }
  }

  /** Records a migration command run: invoke with the image, ok with whatever exit code it had. */
  async migration(f: string, image: string, args: readonly string[], run: () => Promise<OneShotResult>): Promise<OneShotResult> {
    const inv = this.history.invoke("migrations", f, { image, args });
    try {
      const r = await run();
      const value: MigrationCommandValue = { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, image };
      this.history.ok(inv, value);
      return r;
    } catch (err) {
      this.history.info(inv, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** Keeps the first cause that means the upgrade was not judged (unjudgedCause); other errors are the checks' to judge. */
  noteUnjudged(err: unknown): void {
    this.errorCause ??= unjudgedCause(err);
  }

  /** Secrets of the run's configuration: replaced in every file of the run once the report is written. */
  redact(secrets: readonly string[]): void { for (const s of secrets) this.secrets.add(s); }

  /** The secrets this run redacts (a path redacts its hops' in its own folder). */
  get redacted(): readonly string[] { return [...this.secrets]; }

  expect(e: CheckExpectations): void { writeExpectations(this.runDir, e); }

  /** Closes the history and runs the checks on the files: the report's content, not yet written. */
  async analysis(interrupted?: string): Promise<ReportInput> {
    if (this.openPhase) {
      this.history.fail(this.openPhase.op, interrupted ?? "run ended during this phase");
      this.openPhase = undefined;
    }
    this.history.close();
    let analysis = {};
    try {
      analysis = await analyzeRun(await loadRunContext(this.runDir), this.checks);
    } catch (err) {
      this.errors.push(`checks could not run: ${err instanceof Error ? err.message : String(err)}`);
    }
    return {
      ...analysis, runId: this.runDir.split("/").pop(), scenario: this.scenario, startedAt: this.startedAt, finishedAt: new Date().toISOString(),
      interrupted: interrupted !== undefined, ...(interrupted ? { interruptReason: interrupted } : {}),
      images: this.images, versions: this.versions, errors: this.errors, ...(this.errorCause ? { errorCause: this.errorCause } : {}),
      ...(this.accept ? { accept: this.accept } : {}),
    };
  }

  /** Runs the checks on the files and writes report.json; safe to call with a partial run. */
  async report(interrupted?: string): Promise<Report> {
    const written = writeReportSync(this.runDir, await this.analysis(interrupted)).report;
    const report = await redactAndRender(this.runDir, written, [...this.secrets], async () => {
      try {
        await renderReports(this.runDir, this.stepSummaryPath ? { stepSummaryPath: this.stepSummaryPath } : {});
      } catch (err) {
        this.errors.push(`reports could not be rendered: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    this.reported = report;
    progress().close();
    return report;
  }

  get lastReport(): Report | undefined { return this.reported; }
}
