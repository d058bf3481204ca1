// The qualify area's import surface: plan a matrix of upgrade runs with harness/plan, run it one
// pair at a time, and write the qualification report.
import { mkdirSync } from "node:fs";
import { planMatrix, type MatrixPlan, type PairPlanner, type QualifyRequest } from "./matrix.ts";
import { qualification, writeQualification, type Qualification } from "./qualification-report.ts";
import { runMatrix, type PairOutcome, type PairRunner } from "./runner.ts";

export { DATASTORES, imageOf, pairId, planMatrix, seedPlanner, validateRequest } from "./matrix.ts";
export type { Datastore, MatrixPlan, PairPlanner, PlanResult, PlannedPair, QualifyRequest, RefusedPair } from "./matrix.ts";
export { childProcessRunner, runMatrix } from "./runner.ts";
export type { ChildRunnerOptions, PairOutcome, PairRun, PairRunner, RunMatrixOptions } from "./runner.ts";
export { QUALIFICATION_FILES, QUALIFICATION_SCHEMA_VERSION, headline, qualification, qualificationJunit, qualificationMarkdown, writeQualification } from "./qualification-report.ts";
export type { PairVerdict, Qualification, QualificationPair } from "./qualification-report.ts";
export { qualificationHtml } from "./qualification-html.ts";

export interface QualifyOptions {
  readonly outDir: string;
  readonly runPair: PairRunner;
  readonly clock: { now(): number };
  /** Default seedPlanner (harness/plan's rules, one hop per pair). */
  readonly planner?: PairPlanner;
  readonly signal?: AbortSignal;
  readonly onEvent?: (line: string) => void;
  readonly now?: () => Date;
}

export interface QualifyResult {
  readonly plan: MatrixPlan;
  readonly qualification: Qualification;
  readonly outcomes: readonly PairOutcome[];
  readonly files: ReturnType<typeof writeQualification>;
}

/**
 * Plans (throws InvalidConfigError, before running anything, when the request is wrong), runs the
 * pairs the plan accepts in order, and writes the report with every requested pair in it.
 */
export async function qualify(request: QualifyRequest, options: QualifyOptions): Promise<QualifyResult> {
  const plan = planMatrix(request, options.planner);
  mkdirSync(options.outDir, { recursive: true });
  for (const r of plan.refused) options.onEvent?.(`Not running ${r.from} -> ${r.target} on ${r.datastore}: ${r.refusal}`);
  const outcomes = await runMatrix(plan.runs, {
    outDir: options.outDir, runPair: options.runPair, clock: options.clock,
    ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const q = qualification(request, plan, outcomes, options.outDir, (options.now ?? (() => new Date()))(), options.signal?.aborted ?? false);
  return { plan, qualification: q, outcomes, files: writeQualification(options.outDir, q, outcomes) };
}
