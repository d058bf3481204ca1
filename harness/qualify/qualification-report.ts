// The qualification report of a matrix: qualification.json (a verdict per pair and overall),
// junit.xml (one suite per pair: a case per check of a run, a skipped case for a pair not run) and
// summary.md. index.html is qualification-html.ts's.
import { join, relative } from "node:path";
import { acceptanceLine, mergeAcceptances, type Acceptances } from "../report/accepted.ts";
import { worstPhaseP99 } from "../report/html/report-view.ts";
import { renderJunit, suiteName, xmlEscape } from "../report/junit.ts";
import { writeAtomic } from "../report/render.ts";
import type { Report } from "../report/report.ts";
import type { MatrixPlan, QualifyRequest } from "./matrix.ts";
import { qualificationHtml } from "./qualification-html.ts";
import type { PairOutcome } from "./runner.ts";

/**
 * 5: `scenarios` (the scenario axis), `planFingerprint`, `shard` (a shard's part of the plan) and
 * `mergedFrom` (a merge of shards); each pair's `p99Ms` and `shard`; a pair's id may end in its
 * scenario's name. 4: each pair's `counts.accepted` and `acceptedChecks`, and `acceptances` over the
 * matrix (`--accept`).
 */
export const QUALIFICATION_SCHEMA_VERSION = 5;
export const QUALIFICATION_FILES = { json: "qualification.json", html: "index.html", junit: "junit.xml", markdown: "summary.md" } as const;

/**
 * pass / fail: the run's own report.json verdict (exit 0 / 1); error: the run did not judge the
 * upgrade (its report.json says "error": a step failed outside the upgrade, exit 3) or could not be judged;
 * refused: the plan does not run this pair (see `refusal`); not-run: the qualification stopped first.
 */
export type PairVerdict = "pass" | "fail" | "error" | "refused" | "not-run";

export interface QualificationPair {
  readonly id: string;
  readonly from: string;
  readonly target: string;
  readonly datastore: string;
  readonly verdict: PairVerdict;
  /** The plan's procedure and scenario; null for a refused pair. */
  readonly procedure: string | null;
  readonly scenario: string | null;
  readonly oldImage: string | null;
  readonly newImage: string | null;
  /** Why the plan chose the procedure, and its notes for the hop. */
  readonly planReason: string | null;
  readonly notes: readonly string[];
  /** Why the pair was not run (refused, not-run), in the plan's words. */
  readonly refusal: string | null;
  readonly exitCode: number | null;
  /** Relative to the qualification folder; null when the pair did not run. */
  readonly reportDir: string | null;
  readonly standin: boolean;
  readonly counts: { readonly pass: number; readonly fail: number; readonly unknown: number; readonly accepted: number } | null;
  /** Checks that failed or are unknown (not the accepted ones). */
  readonly failedChecks: readonly { readonly id: string; readonly status: string; readonly message: string }[];
  /** Failures the accept file acknowledged: they do not fail the pair. */
  readonly acceptedChecks: readonly { readonly id: string; readonly message: string; readonly entry: number | null; readonly reason: string | null }[];
  readonly durationMs: number;
  /** The run's highest phase p99 of proxied requests, either cluster (report.json's phases); null without latency data. */
  readonly p99Ms: number | null;
  /** The shard (K of `shard.count`) that ran this pair; null in a qualification run in one piece. */
  readonly shard: number | null;
  readonly error: string | null;
}

/** A shard's part of a plan split over several runners (`qualify --shard K/N`). */
export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  /** Every pair id of the whole plan, in report order: what the merge must find across the shards. */
  readonly order: readonly string[];
  /** Hash of which pair went to which shard: shards split with other timings do not fit together. */
  readonly split: string;
  /** The expected run time of this shard's runs, seconds (the split's measure). */
  readonly expectedSeconds: number;
}

/** A shard a merged qualification was made from. */
export interface MergedShard {
  readonly shard: string;
  readonly dir: string;
  readonly verdict: "pass" | "fail" | "error";
  readonly generatedAt: string;
}

export interface Qualification {
  readonly schemaVersion: number;
  readonly target: string;
  readonly from: readonly string[];
  readonly datastores: readonly string[];
  readonly imageTemplate: string;
  /** The scenario axis (`--scenarios`); null: each pair ran the scenario its plan names. */
  readonly scenarios: readonly string[] | null;
  /** Hash of the whole plan (request, every run with its scenario and images, the runs' settings): equal on every shard of one qualification. */
  readonly planFingerprint: string;
  /** Set on a shard's qualification (its pairs only); null otherwise. */
  readonly shard: ShardInfo | null;
  /** Set on a merge of shards: the shards, in order; null otherwise. */
  readonly mergedFrom: readonly MergedShard[] | null;
  /**
   * pass only when every requested pair ran and passed; fail when a pair failed (an upgrade failed a
   * check), else error when a pair was not judged, else fail (a pair refused or not run).
   */
  readonly verdict: "pass" | "fail" | "error";
  /** Pairs asked for (source versions x datastores), pairs the plan runs, pairs it refused, runs made. */
  readonly requested: number;
  readonly planned: number;
  readonly refused: number;
  readonly completed: number;
  readonly interrupted: boolean;
  readonly pairs: readonly QualificationPair[];
  /** The accept file the pairs were judged with, each entry's outcome over every pair (stale: matched no pair); null without one. */
  readonly acceptances: Acceptances | null;
  readonly generatedAt: string;
}

const ran = (o: PairOutcome, outDir: string): QualificationPair => ({
  id: o.pair.id, from: o.pair.from, target: o.pair.target, datastore: o.pair.datastore, verdict: o.verdict,
  procedure: o.pair.procedure, scenario: o.pair.scenario, oldImage: o.pair.oldImage, newImage: o.pair.newImage,
  planReason: o.pair.reason, notes: o.pair.notes, refusal: null, exitCode: o.exitCode,
  reportDir: relative(outDir, o.reportDir) || ".", standin: o.report?.standin ?? false,
  // A report written before acceptances existed has no `accepted` count: it accepted nothing.
  counts: o.report?.counts ? { ...o.report.counts, accepted: o.report.counts.accepted ?? 0 } : null,
  failedChecks: (o.report?.checks ?? []).filter((c) => c.status === "fail" || c.status === "unknown").map((c) => ({ id: c.id, status: c.status, message: c.message })),
  acceptedChecks: (o.report?.checks ?? []).filter((c) => c.status === "accepted").map((c) => ({ id: c.id, message: c.message, entry: c.acceptedBy?.entry ?? null, reason: c.acceptedBy?.reason ?? null })),
  durationMs: Math.round(o.durationMs), p99Ms: runP99(o.report), shard: null, error: o.error ?? null,
});

/** The highest phase p99 of the run over both clusters, rounded to 0.1 ms. */
export function runP99(report: Report | null): number | null {
  if (!report) return null;
  const w = worstPhaseP99(report);
  const all = [w.blue, w.green].filter((v): v is number => v !== null);
  return all.length ? Math.round(Math.max(...all) * 10) / 10 : null;
}

const notRun = (p: { id: string; from: string; target: string; datastore: string }, verdict: "refused" | "not-run", refusal: string,
  planned?: MatrixPlan["runs"][number]): QualificationPair => ({
  id: p.id, from: p.from, target: p.target, datastore: p.datastore, verdict,
  procedure: planned?.procedure ?? null, scenario: planned?.scenario ?? null, oldImage: planned?.oldImage ?? null, newImage: planned?.newImage ?? null,
  planReason: planned?.reason ?? null, notes: planned?.notes ?? [], refusal, exitCode: null, reportDir: null, standin: false,
  counts: null, failedChecks: [], acceptedChecks: [], durationMs: 0, p99Ms: null, shard: null, error: null,
});

/** What a qualification says of its plan beside its pairs. */
export interface QualificationHead {
  readonly planFingerprint: string;
  readonly shard?: ShardInfo;
  readonly mergedFrom?: readonly MergedShard[];
}

export function qualification(request: QualifyRequest, plan: MatrixPlan, outcomes: readonly PairOutcome[], outDir: string, now: Date, interrupted = false,
  head: QualificationHead = { planFingerprint: "" }): Qualification {
  const byId = new Map<string, QualificationPair>();
  for (const o of outcomes) byId.set(o.pair.id, ran(o, outDir));
  for (const r of plan.refused) byId.set(r.id, notRun(r, "refused", r.refusal));
  for (const p of plan.runs) {
    if (!byId.has(p.id)) byId.set(p.id, notRun(p, "not-run", interrupted ? "the qualification was interrupted before this pair" : "the qualification stopped before this pair", p));
  }
  const pairs = plan.order.map((id) => byId.get(id)!).map((p) => (head.shard ? { ...p, shard: head.shard.index } : p));
  return assembleQualification(request, head, pairs, outcomes.map((o) => ({ id: o.pair.id, report: o.report })), now, interrupted);
}

/**
 * The qualification of these pairs (in report order): counts and verdict follow from the pairs, so
 * a merge of shards and a run in one piece judge alike. `reports`: each run's report.json, for the
 * acceptances over the matrix.
 */
export function assembleQualification(request: QualifyRequest, head: QualificationHead, pairs: readonly QualificationPair[],
  reports: readonly { readonly id: string; readonly report: Report | null }[], now: Date, interrupted: boolean): Qualification {
  const judged = reports.filter((r) => r.report?.acceptances).map((r) => ({ label: r.id, prefix: `${r.id}: `, acceptances: r.report!.acceptances! }));
  // A shard that holds no pair (more shards than runs) has nothing that failed.
  const verdict = pairs.length === 0 && head.shard ? "pass" : overallVerdict(pairs);
  return { schemaVersion: QUALIFICATION_SCHEMA_VERSION, target: request.target, from: request.from, datastores: request.datastores,
    imageTemplate: request.imageTemplate, scenarios: request.scenarios ?? null, planFingerprint: head.planFingerprint, shard: head.shard ?? null,
    mergedFrom: head.mergedFrom ?? null, verdict, requested: pairs.length, planned: pairs.filter((p) => p.verdict !== "refused").length,
    refused: pairs.filter((p) => p.verdict === "refused").length, completed: pairs.filter((p) => p.reportDir !== null).length, interrupted, pairs,
    acceptances: mergeAcceptances(judged) ?? null, generatedAt: now.toISOString() };
}

/** A failed upgrade outweighs a pair not judged, which outweighs a pair refused or not run. */
export function overallVerdict(pairs: readonly Pick<QualificationPair, "verdict">[]): Qualification["verdict"] {
  if (pairs.length > 0 && pairs.every((p) => p.verdict === "pass")) return "pass";
  if (pairs.some((p) => p.verdict === "fail")) return "fail";
  return pairs.some((p) => p.verdict === "error") ? "error" : "fail";
}

/** The headline both index.html and summary.md lead with. */
export function headline(q: Qualification): string {
  const passed = q.pairs.filter((p) => p.verdict === "pass").length;
  const count = (v: PairVerdict): number => q.pairs.filter((p) => p.verdict === v).length;
  const rest = [[count("fail"), "failed"], [count("error"), "not judged"], [count("refused"), "refused by the plan (not run)"], [count("not-run"), "not run"]]
    .filter(([n]) => (n as number) > 0).map(([n, what]) => `${n as number} ${what as string}`);
  return `${q.verdict === "pass" ? "QUALIFIED" : "NOT QUALIFIED"}: ${passed} of ${q.requested} pairs passed${rest.length ? `; ${rest.join(", ")}` : ""}`;
}

function skippedSuite(p: QualificationPair): string {
  return `  <testsuite name="${xmlEscape(`${p.datastore}: ${p.from} -> ${p.target}`)}" tests="1" failures="0" errors="0" skipped="1" time="0">\n`
    + `    <testcase classname="kong-upgrade-harness.qualify" name="${p.verdict}" time="0">\n      <skipped message="${xmlEscape(p.refusal ?? p.verdict)}"/>\n    </testcase>\n  </testsuite>`;
}

function errorSuite(p: QualificationPair): string {
  return `  <testsuite name="${xmlEscape(`${p.datastore}: ${p.from} -> ${p.target}`)}" tests="1" failures="0" errors="1" skipped="0" time="${(p.durationMs / 1000).toFixed(3)}">\n`
    + `    <testcase classname="kong-upgrade-harness.qualify" name="run-completed" time="0">\n      <error message="${xmlEscape(p.error ?? "the run could not be judged")}" type="error">${xmlEscape(p.error ?? "")}</error>\n    </testcase>\n  </testsuite>`;
}

/** `reportOf`: a judged pair's report.json (every pass and fail pair has one). */
export function qualificationJunit(q: Qualification, reportOf: (pair: QualificationPair) => Report | null): string {
  const judged = q.pairs.filter((p) => p.verdict === "pass" || p.verdict === "fail").flatMap((p) => {
    const report = reportOf(p);
    return report ? [{ name: `${p.datastore}: ${suiteName(report)}`, report }] : [];
  });
  const xml = renderJunit(judged, `qualification of Kong ${q.target}`);
  const errors = q.pairs.filter((p) => p.verdict === "error");
  const skipped = q.pairs.filter((p) => p.verdict === "refused" || p.verdict === "not-run");
  const extra = [...errors.map(errorSuite), ...skipped.map(skippedSuite)];
  if (extra.length === 0) return xml;
  return xml.replace(/^(<testsuites [^>]*?)tests="(\d+)"([^>]*?)errors="(\d+)"/m, (_m, a: string, t: string, b: string, e: string) => `${a}tests="${Number(t) + extra.length}"${b}errors="${Number(e) + errors.length}"`)
    .replace("</testsuites>", `${extra.join("\n")}\n</testsuites>`);
}

/** How the qualification was run, when in pieces: " Shard 2 of 3 (...)." or " Merged from 3 shards." */
export function pieces(q: Qualification): string {
  if (q.shard) return ` Shard ${q.shard.index} of ${q.shard.count} of plan ${q.planFingerprint.slice(0, 12)} (${q.shard.order.length} pairs in all; the merge with \`qualify merge\` judges the whole).`;
  if (q.mergedFrom) return ` Merged from ${q.mergedFrom.length} shards of plan ${q.planFingerprint.slice(0, 12)}.`;
  return "";
}

const ICON: Record<PairVerdict, string> = { pass: "✅", fail: "❌", error: "⚠️", refused: "⛔", "not-run": "⏸" };

export function qualificationMarkdown(q: Qualification): string {
  const cell = (t: string): string => t.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const accepted = (p: QualificationPair): string => (p.acceptedChecks.length ? `(accepted: ${p.acceptedChecks.map((c) => c.id).join(", ")})` : "");
  const rows = q.pairs.map((p) => `| ${ICON[p.verdict]} ${p.verdict} | ${p.from} → ${p.target} | ${p.datastore} | ${p.procedure ?? "–"} | ${p.counts ? `${p.counts.fail} failed${q.acceptances || p.counts.accepted ? ` / ${p.counts.accepted} accepted` : ""} / ${p.counts.pass} passed` : "–"} | ${cell([p.refusal ?? p.error ?? p.failedChecks.map((c) => c.id).join(", "), accepted(p)].filter(Boolean).join(" "))} |`);
  return [`## ${q.verdict === "pass" ? "✅" : q.verdict === "error" ? "⚠️" : "❌"} ${headline(q)}: Kong ${q.target}`, "",
    ...(q.pairs.some((p) => p.standin) ? ["> **Stand-in images**: this qualifies the harness, not a Kong release.", ""] : []),
    "| verdict | upgrade | datastore | procedure | checks | failing / why not run |", "|---|---|---|---|---|---|", ...rows, "",
    `${q.completed} of ${q.planned} planned runs completed; ${q.refused} of ${q.requested} requested pairs refused by the plan.${pieces(q)}`, "",
    ...(q.acceptances ? [`Acknowledged findings (\`${q.acceptances.file}\`):`, "", ...q.acceptances.entries.map((e) => `- ${cell(acceptanceLine(e))}`), ""] : [])].join("\n");
}

/** Writes qualification.json, index.html, junit.xml and summary.md into outDir. */
export function writeQualification(outDir: string, q: Qualification, reportOf: (pair: QualificationPair) => Report | null): Record<keyof typeof QUALIFICATION_FILES, string> {
  const paths = { json: join(outDir, QUALIFICATION_FILES.json), html: join(outDir, QUALIFICATION_FILES.html), junit: join(outDir, QUALIFICATION_FILES.junit), markdown: join(outDir, QUALIFICATION_FILES.markdown) };
  writeAtomic(paths.json, `${JSON.stringify(q, null, 2)}\n`);
  writeAtomic(paths.html, qualificationHtml(q, headline(q)));
  writeAtomic(paths.junit, qualificationJunit(q, reportOf));
  writeAtomic(paths.markdown, qualificationMarkdown(q));
  return paths;
}
