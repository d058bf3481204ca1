// The qualify area's import surface: plan a matrix of upgrade runs, run it one pair at a time,
// and write the qualification report.
import { mkdirSync } from "node:fs";
import { planMatrix, type PairPlanner, type QualifyRequest } from "./matrix.ts";
import { qualification, writeQualification, type Qualification } from "./qualification-report.ts";
import { runMatrix, type PairOutcome, type PairRunner } from "./runner.ts";

export { DATASTORES, POSTGRES_SCENARIO, directPlanner, imageOf, planMatrix, validateRequest } from "./matrix.ts";
export type { Datastore, PairPlanner, PlanResult, PlannedPair, QualifyRequest } from "./matrix.ts";
export { childProcessRunner, runMatrix } from "./runner.ts";
export type { ChildRunnerOptions, PairOutcome, PairRun, PairRunner, RunMatrixOptions } from "./runner.ts";
export { QUALIFICATION_FILES, QUALIFICATION_SCHEMA_VERSION, qualification, qualificationHtml, qualificationJunit, qualificationMarkdown, writeQualification } from "./qualification-report.ts";
export type { Qualification, QualificationPair } from "./qualification-report.ts";

export interface QualifyOptions {
  readonly outDir: string;
  readonly runPair: PairRunner;
  readonly clock: { now(): number };
  /** The seam for harness/plan: default directPlanner (Postgres blue/green, one hop per pair). */
  readonly planner?: PairPlanner;
  readonly signal?: AbortSignal;
  readonly onEvent?: (line: string) => void;
  readonly now?: () => Date;
}

export interface QualifyResult {
  readonly qualification: Qualification;
  readonly outcomes: readonly PairOutcome[];
  readonly files: ReturnType<typeof writeQualification>;
}

/** Plans (throws InvalidConfigError on refusals, before running anything), runs, and writes the report. */
export async function qualify(request: QualifyRequest, options: QualifyOptions): Promise<QualifyResult> {
  const pairs = planMatrix(request, options.planner);
  mkdirSync(options.outDir, { recursive: true });
  const outcomes = await runMatrix(pairs, {
    outDir: options.outDir, runPair: options.runPair, clock: options.clock,
    ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const q = qualification(request, pairs.length, outcomes, options.outDir, (options.now ?? (() => new Date()))());
  return { qualification: q, outcomes, files: writeQualification(options.outDir, q, outcomes) };
}
