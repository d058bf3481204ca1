// Several nights' qualification.json, written as `qualify` writes them, for the trend and compare tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { QUALIFICATION_SCHEMA_VERSION, type PairVerdict, type Qualification, type QualificationPair } from "../../harness/qualify/index.ts";

export interface NightPair { readonly verdict: PairVerdict; readonly s?: number; readonly p99?: number; readonly failed?: readonly string[] }

const pair = (id: string, n: NightPair): QualificationPair => {
  const m = /^([0-9.]+)-to-([0-9.]+)-(postgres|cassandra)(?:-(.+))?$/.exec(id)!;
  const [from, target, datastore, scenario] = [m[1]!, m[2]!, m[3]!, m[4] ?? "postgres-blue-green"];
  const ran = n.verdict === "pass" || n.verdict === "fail" || n.verdict === "error";
  const failed = n.failed ?? (n.verdict === "fail" ? ["zero-failed-requests"] : []);
  return {
    id, from, target, datastore, verdict: n.verdict, procedure: "postgres-blue-green", scenario: `scenarios/${scenario}.ts`,
    oldImage: `kong-standin:${from}`, newImage: `kong-standin:${target}`, planReason: "the plan", notes: [], refusal: ran ? null : "the plan needs 2 hops",
    exitCode: ran ? (n.verdict === "pass" ? 0 : n.verdict === "fail" ? 1 : 3) : null, reportDir: ran ? id : null, standin: true,
    counts: ran ? { pass: 20 - failed.length, fail: failed.length, unknown: 0, accepted: 0 } : null,
    failedChecks: failed.map((c) => ({ id: c, status: "fail", message: `${c} failed` })), acceptedChecks: [],
    durationMs: ran ? (n.s ?? 30) * 1000 : 0, p99Ms: ran ? (n.p99 ?? 10) : null, shard: null, error: n.verdict === "error" ? "the datastore did not start" : null,
  };
};

/** Writes one night's qualification.json into `dir` and returns it. */
export function writeNight(dir: string, generatedAt: string, pairs: Readonly<Record<string, NightPair>>): Qualification {
  const rows = Object.entries(pairs).map(([id, n]) => pair(id, n));
  const q: Qualification = {
    schemaVersion: QUALIFICATION_SCHEMA_VERSION, target: "2.6.0", from: [...new Set(rows.map((r) => r.from))], datastores: ["postgres"], imageTemplate: "kong-standin:{version}",
    scenarios: null, planFingerprint: "0".repeat(64), shard: null, mergedFrom: null,
    verdict: rows.every((r) => r.verdict === "pass") ? "pass" : "fail", requested: rows.length, planned: rows.filter((r) => r.verdict !== "refused").length,
    refused: rows.filter((r) => r.verdict === "refused").length, completed: rows.filter((r) => r.reportDir !== null).length, interrupted: false, pairs: rows,
    acceptances: null, generatedAt,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "qualification.json"), `${JSON.stringify(q, null, 2)}\n`);
  return q;
}
