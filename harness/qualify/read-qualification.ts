// Reads a qualification.json (a file, or the folder holding one) for `compare` and `report trend`.
// Earlier schema versions are read too, their later fields filled as "not recorded", so a history
// kept across a harness upgrade still compares and renders.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { QUALIFICATION_FILES, type Qualification, type QualificationPair } from "./qualification-report.ts";

/** The qualification.json of `path` (a file or a qualification folder), or undefined when it has none. */
export function qualificationFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const file = statSync(path).isDirectory() ? join(path, QUALIFICATION_FILES.json) : path;
  return existsSync(file) && /qualification[^/]*\.json$/.test(file) ? file : undefined;
}

export function readQualification(path: string, hint = "give a qualification folder (or its qualification.json) written by `kong-upgrade-harness qualify`"): Qualification {
  const file = qualificationFile(path);
  if (!file) throw new InvalidConfigError([`${path} is not a qualification: ${existsSync(path) ? `no ${QUALIFICATION_FILES.json} in it` : "it does not exist"}`], { hint });
  let q: Partial<Qualification>;
  try {
    q = JSON.parse(readFileSync(file, "utf8")) as Partial<Qualification>;
  } catch (err) {
    throw new InvalidConfigError([`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`], { hint });
  }
  if (typeof q !== "object" || q === null || !Array.isArray(q.pairs) || typeof q.target !== "string" || typeof q.generatedAt !== "string") {
    throw new InvalidConfigError([`${file} is not a qualification.json (no target, generatedAt or pairs)`], { hint });
  }
  const pairs = q.pairs.map((p: Partial<QualificationPair>) => ({ ...p, p99Ms: p.p99Ms ?? null, shard: p.shard ?? null, failedChecks: p.failedChecks ?? [] }) as QualificationPair);
  return { ...q, pairs, scenarios: q.scenarios ?? null, planFingerprint: q.planFingerprint ?? "", shard: q.shard ?? null, mergedFrom: q.mergedFrom ?? null } as Qualification;
}
