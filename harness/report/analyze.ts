// Run first, then analyse: the checks and tables of a run, from its context (live) or from its
// directory (offline `kong-upgrade-harness check <run-dir>`).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BLUE_GREEN_CHECKS, F, RUN_FILES, loadRunContext, runChecks,
  type Check, type CheckContext, type CheckResult, type NodeLogValue, type Op, type OldNodeStartValue, type PhaseDiff,
  type BaselineLearnedValue, type ConfigurationValue,
} from "../checks/index.ts";
import type { AcceptList } from "./accept-file.ts";
import { writeReportSync, type AdminSummary, type ChaosSummary, type ConfigurationSummary, type MigrationOutput, type Report, type ReportInput } from "./report.ts";
import { requestTables } from "./tables.ts";

type Analysis = Required<Pick<ReportInput, "checks" | "phases" | "steps" | "migrations" | "schemaDiffs" | "nodeLogs">> & { admin?: AdminSummary; chaos?: ChaosSummary; configuration?: ConfigurationSummary };

/** The user's configuration and load profile, from the run's records; none when it used the built-in ones. */
function configurationSummary(history: readonly Op[]): ConfigurationSummary | undefined {
  const given = history.find((op) => op.f === F.configuration && op.type === "ok")?.value as ConfigurationValue | undefined;
  if (!given) return undefined;
  const learned = history.filter((op) => op.f === F.baselineLearned && op.type === "ok").map((op) => op.value as BaselineLearnedValue).at(-1);
  return {
    file: given.file, loadProfile: given.loadProfile, probes: learned?.probes ?? given.probes, plugins: given.plugins, notes: given.notes,
    baselineDiffers: learned?.differs ?? [], probesLeftOut: learned?.dropped ?? [],
  };
}

/** The fault-expectations check's data, when the run had a fault schedule. */
function chaosSummary(results: readonly CheckResult[]): ChaosSummary | undefined {
  const d = dataOf(results, "fault-expectations") as Partial<ChaosSummary> | undefined;
  if (!d?.faults) return undefined;
  return { seed: d.seed ?? 0, toxiproxy: d.toxiproxy ?? false, loadBalancer: d.loadBalancer ?? {}, faults: d.faults, failedOutsideWindows: d.failedOutsideWindows ?? 0 };
}

const dataOf = (results: readonly CheckResult[], id: string): Readonly<Record<string, unknown>> | undefined => results.find((r) => r.id === id)?.data;

function achievedWeights(results: readonly CheckResult[]): Map<number, number | null> {
  const steps = (dataOf(results, "traffic-split")?.steps ?? []) as { index: number; achieved: number | null }[];
  return new Map(steps.map((s) => [s.index, s.achieved]));
}

function adminSummary(results: readonly CheckResult[]): AdminSummary | undefined {
  const d = dataOf(results, "admin-writes-propagated") as { bound?: number; writes?: { type: string }[]; lags?: AdminSummary["lagMs"] } | undefined;
  if (!d?.writes) return undefined;
  return {
    writes: d.writes.length,
    ok: d.writes.filter((w) => w.type === "ok").length,
    failed: d.writes.filter((w) => w.type === "fail").length,
    unknown: d.writes.filter((w) => w.type === "info").length,
    boundMs: d.bound ?? null,
    lagMs: d.lags ?? { all: null, perPhase: {}, perCluster: {} },
    history: d.writes,
  };
}

/** Log excerpts of failed nodes: "node-log" ops, plus the old node's when it started after finish. */
function nodeLogs(history: readonly Op[]): NodeLogValue[] {
  const logs = history.filter((op) => op.f === F.nodeLog && op.type === "ok").map((op) => op.value as NodeLogValue);
  const old = history.filter((op) => op.f === F.oldNodeStart && op.type === "ok").map((op) => ({ op, v: op.value as OldNodeStartValue }));
  for (const { op, v } of old) {
    logs.push({ node: op.node ?? "old-node", image: v.image, reason: v.started ? "started after finish" : `exited ${v.exitCode ?? "none"}`, excerpt: v.logs.split("\n").slice(-60).join("\n") });
  }
  return logs;
}

/** Runs the checks and builds every table of the report. */
export async function analyzeRun(ctx: CheckContext, checks: readonly Check[] = BLUE_GREEN_CHECKS): Promise<Analysis> {
  const { results } = await runChecks(checks, ctx);
  const tables = await requestTables(ctx, achievedWeights(results));
  const admin = adminSummary(results);
  const chaos = chaosSummary(results);
  const configuration = configurationSummary(ctx.history);
  return {
    checks: results,
    phases: tables.phases,
    steps: tables.steps,
    migrations: ((dataOf(results, "migrations-output")?.commands ?? []) as MigrationOutput[]),
    schemaDiffs: ((dataOf(results, "schema-only-adds")?.diffs ?? []) as PhaseDiff[]),
    nodeLogs: nodeLogs(ctx.history),
    ...(admin ? { admin } : {}),
    ...(chaos ? { chaos } : {}),
    ...(configuration ? { configuration } : {}),
  };
}

/** The run's facts that checks cannot rebuild (images, versions, times), from a previous report. */
function previousMeta(runDir: string): ReportInput {
  const file = join(runDir, RUN_FILES.report);
  if (!existsSync(file)) return {};
  const r = JSON.parse(readFileSync(file, "utf8")) as Partial<Report>;
  return {
    ...(r.runId ? { runId: r.runId } : {}), ...(r.scenario ? { scenario: r.scenario } : {}),
    ...(r.timings?.startedAt ? { startedAt: r.timings.startedAt } : {}), ...(r.timings?.finishedAt ? { finishedAt: r.timings.finishedAt } : {}),
    interrupted: r.interrupted ?? false, ...(r.interruptReason ? { interruptReason: r.interruptReason } : {}),
    images: r.images ?? [], versions: { ...(r.versions?.old ? { old: r.versions.old } : {}), ...(r.versions?.new ? { new: r.versions.new } : {}) },
    errors: r.errors ?? [], ...(r.errorCause ? { errorCause: r.errorCause } : {}),
  };
}

/**
 * `kong-upgrade-harness check <run-dir> [--accept FILE]`: re-runs the checks from the files and
 * rewrites report.json, judged with the accept list given (none: every failure fails).
 */
export async function recheck(runDir: string, checks: readonly Check[] = BLUE_GREEN_CHECKS, now: Date = new Date(), accept?: AcceptList): Promise<{ report: Report; path: string }> {
  const ctx = await loadRunContext(runDir);
  const analysis = await analyzeRun(ctx, checks);
  return writeReportSync(runDir, { ...previousMeta(runDir), ...analysis, ...(accept ? { accept } : {}), recheckedAt: now.toISOString() });
}
