// The qualify area's import surface: plan a matrix of upgrade runs with harness/plan, run it one
// pair at a time, and write the qualification report.
import { mkdirSync } from "node:fs";
import { planMatrix, type MatrixPlan, type PairPlanner, type QualifyRequest } from "./matrix.ts";
import { qualification, writeQualification, type Qualification } from "./qualification-report.ts";
import { runMatrix, type PairOutcome, type PairRunner } from "./runner.ts";
import { planFingerprint, shardPlan, splitPlan } from "./shards.ts";

export { DATASTORES, imageOf, pairId, planMatrix, seedPlanner, validateRequest } from "./matrix.ts";
export type { Datastore, MatrixPlan, PairPlanner, PlanResult, PlannedPair, QualifyRequest, RefusedPair } from "./matrix.ts";
export { childProcessRunner, runMatrix } from "./runner.ts";
export type { ChildRunnerOptions, PairOutcome, PairRun, PairRunner, RunMatrixOptions } from "./runner.ts";
export { QUALIFICATION_FILES, QUALIFICATION_SCHEMA_VERSION, assembleQualification, headline, qualification, qualificationJunit, qualificationMarkdown, writeQualification } from "./qualification-report.ts";
export type { MergedShard, PairVerdict, Qualification, QualificationPair, ShardInfo } from "./qualification-report.ts";
export { AXIS_SCENARIOS, appliesTo, axisScenarios } from "./scenario-axis.ts";
export { expectedSeconds, parseShard, parseShardCount, planFingerprint, plannedSeconds, readTimings, runSettings, shardMatrix, shardPlan, splitPlan } from "./shards.ts";
export type { ShardSpec, Split } from "./shards.ts";
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
  /** The settings every run gets (the pass-through flags), part of the plan's fingerprint. */
  readonly runSettings?: readonly string[];
  /** Run only shard `index` of `count` of the plan, split by `expectedSeconds` (each run's; default: all alike). */
  readonly shard?: { readonly index: number; readonly count: number; readonly expectedSeconds?: ReadonlyMap<string, number> };
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
  const whole = planMatrix(request, options.planner);
  const fingerprint = planFingerprint(request, whole, options.runSettings ?? []);
  const split = options.shard ? splitPlan(whole, options.shard.count, options.shard.expectedSeconds ?? new Map(whole.runs.map((r) => [r.id, 1]))) : undefined;
  const plan = split && options.shard ? shardPlan(whole, split, options.shard.index) : whole;
  mkdirSync(options.outDir, { recursive: true });
  if (split && options.shard) options.onEvent?.(`Shard ${options.shard.index}/${options.shard.count} of plan ${fingerprint.slice(0, 12)}: ${plan.runs.length} of ${whole.runs.length} runs`);
  for (const r of plan.refused) options.onEvent?.(`Not running ${r.from} -> ${r.target} on ${r.datastore}: ${r.refusal}`);
  const outcomes = await runMatrix(plan.runs, {
    outDir: options.outDir, runPair: options.runPair, clock: options.clock,
    ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const shard = split && options.shard
    ? { index: options.shard.index, count: options.shard.count, order: whole.order, split: split.fingerprint, expectedSeconds: split.shards[options.shard.index - 1]!.expectedSeconds }
    : undefined;
  const q = qualification(request, plan, outcomes, options.outDir, (options.now ?? (() => new Date()))(), options.signal?.aborted ?? false,
    { planFingerprint: fingerprint, ...(shard ? { shard } : {}) });
  const reports = new Map(outcomes.map((o) => [o.pair.id, o.report]));
  return { plan, qualification: q, outcomes, files: writeQualification(options.outDir, q, (p) => reports.get(p.id) ?? null) };
}
