// `qualify merge DIR...`: one qualification from the shards of one plan (`qualify --shard K/N` on N
// runners). The merged index.html, qualification.json and junit.xml are what the whole plan run in
// one piece writes: the same rows in the same order, judged by the same rules, with every run's
// folder copied beside them. Shards that do not make up one plan are refused, naming the shard.
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { RUN_FILES } from "../checks/index.ts";
import { HarnessError, InvalidConfigError } from "../errors.ts";
import { readReport } from "../report/html/index.ts";
import type { Report } from "../report/report.ts";
import type { Datastore } from "./matrix.ts";
import {
  assembleQualification, QUALIFICATION_FILES, QUALIFICATION_SCHEMA_VERSION, writeQualification,
  type MergedShard, type Qualification, type QualificationPair, type ShardInfo,
} from "./qualification-report.ts";

export interface Shard { readonly dir: string; readonly q: Qualification & { readonly shard: ShardInfo } }

const FIX = "give the folders `qualify --shard K/N` wrote, one per shard";

/** A shard's folder, read and checked for form; bad input (exit 2) says what to give instead. */
export function readShard(dir: string): Shard {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidConfigError([`${dir} is not a folder`], { hint: FIX });
  const file = join(dir, QUALIFICATION_FILES.json);
  if (!existsSync(file)) throw new InvalidConfigError([`${dir} holds no ${QUALIFICATION_FILES.json}: not a qualification`], { hint: FIX });
  let q: Partial<Qualification>;
  try {
    q = JSON.parse(readFileSync(file, "utf8")) as Partial<Qualification>;
  } catch (err) {
    throw new InvalidConfigError([`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`], { hint: FIX });
  }
  if (q.schemaVersion !== QUALIFICATION_SCHEMA_VERSION || !Array.isArray(q.pairs)) {
    throw new InvalidConfigError([`${file} is a qualification.json of schema version ${String(q.schemaVersion)}, not ${QUALIFICATION_SCHEMA_VERSION}`], { hint: "run every shard with this version of the harness" });
  }
  if (!q.shard) throw new InvalidConfigError([`${dir} is a qualification run in one piece, not a shard`], { hint: "only the outputs of `qualify --shard K/N` are merged" });
  return { dir, q: q as Shard["q"] };
}

const label = (s: Shard): string => `shard ${s.q.shard.index}/${s.q.shard.count} (${s.dir})`;

/** The value most shards agree on; the others are the odd ones. */
function majority<T>(shards: readonly Shard[], key: (s: Shard) => T): T {
  const counts = new Map<T, number>();
  for (const s of shards) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

/**
 * Checks that the shards are every part of one plan, once each; throws HarnessError (exit 3) naming
 * the shard that is missing, doubled, from another plan or split otherwise.
 */
export function checkShards(shards: readonly Shard[]): void {
  const plan = majority(shards, (s) => s.q.planFingerprint);
  for (const s of shards) {
    if (s.q.planFingerprint !== plan) throw new HarnessError(`${label(s)} ran a different plan (fingerprint ${s.q.planFingerprint.slice(0, 12)}, the others ${plan.slice(0, 12)}): other versions, datastores, scenarios, images or run settings`, { hint: "merge the shards of one qualification; run the odd one again with the others' flags" });
  }
  const count = majority(shards, (s) => s.q.shard.count);
  const split = majority(shards, (s) => s.q.shard.split);
  for (const s of shards) {
    if (s.q.shard.count !== count || s.q.shard.split !== split) throw new HarnessError(`${label(s)} split the plan differently from the others (${count} shards${s.q.shard.count === count ? ", other --timings" : ""})`, { hint: "run every shard with the same --shard K/N count and --timings file" });
  }
  const byIndex = new Map<number, Shard>();
  for (const s of shards) {
    const twin = byIndex.get(s.q.shard.index);
    if (twin) throw new HarnessError(`shard ${s.q.shard.index}/${count} was given twice: ${twin.dir} and ${s.dir}`, { hint: "give each shard's folder once" });
    byIndex.set(s.q.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length) {
    throw new HarnessError(`shard${missing.length > 1 ? "s" : ""} ${missing.map((k) => `${k}/${count}`).join(", ")} of plan ${plan.slice(0, 12)} ${missing.length > 1 ? "are" : "is"} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).map((k) => `${k}/${count}`).join(", ")})`,
      { hint: "download every shard's artifact, or run the missing shard again" });
  }
  const order = shards[0]!.q.shard.order;
  const holder = new Map<string, Shard>();
  for (const s of shards) {
    for (const p of s.q.pairs) {
      if (holder.has(p.id)) throw new HarnessError(`${p.id} is in ${label(holder.get(p.id)!)} and in ${label(s)}`, { hint: "merge the shards of one qualification" });
      holder.set(p.id, s);
    }
  }
  const absent = order.filter((id) => !holder.has(id));
  if (absent.length) throw new HarnessError(`no shard holds ${absent.join(", ")} of the plan`, { hint: "run every shard with this version of the harness" });
}

export interface MergeResult {
  readonly qualification: Qualification;
  readonly files: ReturnType<typeof writeQualification>;
}

/** Merges the shards in `dirs` into `outDir`: their run folders copied, the qualification judged over all pairs. */
export function mergeShards(dirs: readonly string[], outDir: string, now: Date): MergeResult {
  if (dirs.length === 0) throw new InvalidConfigError(["`qualify merge` needs the folders of the shards"], { hint: FIX });
  const out = resolve(outDir);
  const inside = dirs.find((d) => resolve(d) === out);
  if (inside) throw new InvalidConfigError([`--out ${outDir} is one of the shards`], { hint: "merge into a folder of its own" });
  const shards = dirs.map(readShard);
  checkShards(shards);
  shards.sort((a, b) => a.q.shard.index - b.q.shard.index);
  mkdirSync(out, { recursive: true });
  const rows = new Map<string, { pair: QualificationPair; report: Report | null }>();
  for (const s of shards) {
    for (const p of s.q.pairs) {
      let report: Report | null = null;
      if (p.reportDir !== null) {
        const from = join(s.dir, p.reportDir);
        // A judged pair has its report.json; a run that was not judged may have none.
        const needed = p.verdict === "pass" || p.verdict === "fail" ? join(from, RUN_FILES.report) : from;
        if (!existsSync(needed)) throw new HarnessError(`${label(s)} lacks the run folder of ${p.id} (${needed} does not exist)`, { hint: "upload each shard's whole folder" });
        cpSync(from, join(out, p.reportDir), { recursive: true });
        const file = join(out, p.reportDir, RUN_FILES.report);
        report = existsSync(file) ? readReport(file) : null;
      }
      rows.set(p.id, { pair: p, report });
    }
  }
  const first = shards[0]!.q;
  const order = first.shard.order;
  const request = { target: first.target, from: first.from, datastores: first.datastores as readonly Datastore[], imageTemplate: first.imageTemplate, ...(first.scenarios ? { scenarios: first.scenarios } : {}) };
  const mergedFrom: MergedShard[] = shards.map((s) => ({ shard: `${s.q.shard.index}/${s.q.shard.count}`, dir: s.dir, verdict: s.q.verdict, generatedAt: s.q.generatedAt }));
  const pairs = order.map((id) => rows.get(id)!.pair);
  const q = assembleQualification(request, { planFingerprint: first.planFingerprint, mergedFrom }, pairs,
    order.map((id) => ({ id, report: rows.get(id)!.report })), now, shards.some((s) => s.q.interrupted));
  return { qualification: q, files: writeQualification(out, q, (p) => rows.get(p.id)?.report ?? null) };
}
