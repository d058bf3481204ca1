// Splitting a qualification's plan over N runners (`qualify --shard K/N`, `--list-shards N`): each
// run goes to one shard, the shards balanced by expected run time, the same split on every runner.
// The plan's fingerprint lets the merge tell shards of one qualification from shards of another.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { RUN_DEFAULTS } from "../scenario/run-options.ts";
import type { MatrixPlan, PlannedPair, QualifyRequest } from "./matrix.ts";

export interface ShardSpec { readonly index: number; readonly count: number }

const WHOLE = /^[1-9]\d{0,3}$/;

/** "K/N" with 1 <= K <= N. */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !WHOLE.test(m[1]!) || !WHOLE.test(m[2]!) || index > count) {
    throw new InvalidConfigError([`--shard must be K/N with 1 <= K <= N (e.g. 2/4), but is "${text}"`], { hint: "`qualify --list-shards N` lists the shards of N runners" });
  }
  return { index, count };
}

/** A number of shards, 1 to 9999. */
export function parseShardCount(text: string): number {
  if (!WHOLE.test(text.trim())) throw new InvalidConfigError([`--list-shards takes a number of runners from 1 to 9999, but is "${text}"`]);
  return Number(text.trim());
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * The plan's fingerprint: the request, every pair of the plan with its scenario, procedure and
 * images, every refusal, and the settings every run gets (`runSettings`: the pass-through flags,
 * files by content). Two shards with equal fingerprints ran parts of the same qualification.
 */
export function planFingerprint(request: QualifyRequest, plan: MatrixPlan, runSettings: readonly string[]): string {
  return sha256(JSON.stringify({
    target: request.target, from: request.from, datastores: request.datastores, imageTemplate: request.imageTemplate, scenarios: request.scenarios ?? null,
    order: plan.order, runs: plan.runs.map((r) => [r.id, r.scenario, r.procedure, r.oldImage, r.newImage]), refused: plan.refused.map((r) => [r.id, r.refusal]),
    runSettings,
  }));
}

/** The run flags as they reach the fingerprint: a file flag's value replaced by its content's hash (paths differ between runners). */
export function runSettings(runArgs: readonly string[], fileFlags: readonly string[]): string[] {
  return runArgs.map((a, i) => (i > 0 && fileFlags.includes(runArgs[i - 1]!) && existsSync(a) ? `sha256:${sha256(readFileSync(a, "utf8"))}` : a));
}

/**
 * Seconds a run takes on the stand-in with the shortest settings, before its traffic shift (one
 * hold per step): measured on 2 cores. Only their ratios matter to the split.
 */
const BASE_SECONDS: Readonly<Record<string, { readonly seconds: number; readonly shifts: boolean }>> = {
  "scenarios/postgres-blue-green.ts": { seconds: 25, shifts: true },
  "scenarios/chaos-during-shift.ts": { seconds: 40, shifts: true },
  "scenarios/migration-killed-during-up.ts": { seconds: 45, shifts: true },
  "scenarios/cassandra-in-place.ts": { seconds: 60, shifts: false },
  "scenarios/cassandra-new-keyspace.ts": { seconds: 75, shifts: true },
};

export interface ShiftSettings { readonly holdMs?: number; readonly steps?: number }

/** The plan's estimate of a run: its scenario's base time and one hold per step of the shift. */
export function plannedSeconds(run: Pick<PlannedPair, "scenario">, shift: ShiftSettings = {}): number {
  const base = BASE_SECONDS[run.scenario] ?? { seconds: 60, shifts: true };
  const holdS = (shift.holdMs ?? RUN_DEFAULTS.holdMs) / 1000;
  return base.seconds + (base.shifts ? holdS * (shift.steps ?? RUN_DEFAULTS.steps.length) : 0);
}

/** Each run's seconds as a previous qualification.json measured them (`--timings FILE`). */
export function readTimings(path: string): Map<string, number> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "qualification.json") : path;
  const fix = "give the qualification.json of an earlier qualification (or its folder)";
  if (!existsSync(file)) throw new InvalidConfigError([`--timings: ${file} does not exist`], { hint: fix });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InvalidConfigError([`--timings: ${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`], { hint: fix });
  }
  const pairs = (parsed as { pairs?: unknown }).pairs;
  if (!Array.isArray(pairs)) throw new InvalidConfigError([`--timings: ${file} is not a qualification.json (no "pairs")`], { hint: fix });
  const out = new Map<string, number>();
  for (const p of pairs as { id?: unknown; durationMs?: unknown; reportDir?: unknown }[]) {
    if (typeof p.id === "string" && typeof p.durationMs === "number" && p.durationMs > 0 && p.reportDir !== null) out.set(p.id, p.durationMs / 1000);
  }
  return out;
}

/**
 * Each run's expected seconds: measured (`timings`) where the earlier qualification ran it, else the
 * plan's estimate scaled by how the measured runs compared with their estimates (the median ratio),
 * so measured and estimated runs weigh alike.
 */
export function expectedSeconds(runs: readonly PlannedPair[], shift: ShiftSettings = {}, timings: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const ratios = runs.filter((r) => timings.has(r.id)).map((r) => timings.get(r.id)! / plannedSeconds(r, shift)).sort((a, b) => a - b);
  const scale = ratios.length ? ratios[Math.floor(ratios.length / 2)]! : 1;
  return new Map(runs.map((r) => [r.id, timings.get(r.id) ?? plannedSeconds(r, shift) * scale]));
}

export interface ShardPart {
  readonly index: number;
  /** Pair ids of the shard, in the plan's order. */
  readonly ids: readonly string[];
  readonly expectedSeconds: number;
}

export interface Split {
  readonly count: number;
  readonly shards: readonly ShardPart[];
  /** Hash of the assignment: shards split differently do not fit together. */
  readonly fingerprint: string;
}

/**
 * Longest expected run first, each to the shard with the least expected time so far (the lower
 * index on a tie): deterministic, and within the longest run of the optimum. Pairs the plan does not
 * run take no time and are reported by shard 1.
 */
export function splitPlan(plan: MatrixPlan, count: number, expected: ReadonlyMap<string, number>): Split {
  const position = new Map(plan.order.map((id, i) => [id, i]));
  const load = Array.from({ length: count }, () => 0);
  const owner = new Map<string, number>();
  const longestFirst = [...plan.runs].sort((a, b) => (expected.get(b.id) ?? 0) - (expected.get(a.id) ?? 0) || position.get(a.id)! - position.get(b.id)!);
  for (const run of longestFirst) {
    const k = load.indexOf(Math.min(...load));
    owner.set(run.id, k + 1);
    load[k]! += expected.get(run.id) ?? 0;
  }
  for (const r of plan.refused) owner.set(r.id, 1);
  const shards = load.map((seconds, k) => ({ index: k + 1, ids: plan.order.filter((id) => owner.get(id) === k + 1), expectedSeconds: Math.round(seconds) }));
  return { count, shards, fingerprint: sha256(JSON.stringify(shards.map((s) => s.ids))) };
}

/** The part of the plan shard `index` runs: its runs and refusals, in the plan's order. */
export function shardPlan(plan: MatrixPlan, split: Split, index: number): MatrixPlan {
  const ids = new Set(split.shards[index - 1]!.ids);
  return { runs: plan.runs.filter((r) => ids.has(r.id)), refused: plan.refused.filter((r) => ids.has(r.id)), order: plan.order.filter((id) => ids.has(id)) };
}

/** `--list-shards`: a GitHub Actions matrix (`strategy.matrix: ${{ fromJSON(...) }}`), one entry per shard. */
export function shardMatrix(split: Split): { include: { shard: string; index: number; count: number; pairs: number; expectedSeconds: number }[] } {
  return { include: split.shards.map((s) => ({ shard: `${s.index}/${split.count}`, index: s.index, count: split.count, pairs: s.ids.length, expectedSeconds: s.expectedSeconds })) };
}
