// `compare <baseline> <current>` for two qualifications (e.g. last night's and tonight's): pair by
// pair, the new failures, the fixed ones, those still failing (and any check newly failing there),
// and run time and p99 changes. Pure: it compares two qualification.json documents.
import type { CompareThresholds } from "../report/compare.ts";
import type { PairVerdict, Qualification, QualificationPair } from "./qualification-report.ts";

export interface PairChange {
  readonly id: string;
  readonly baseline: PairVerdict | "absent";
  readonly current: PairVerdict | "absent";
  /** Checks failing or unknown now (current run). */
  readonly failedChecks: readonly string[];
  /** Of those, the ones that did not fail in the baseline's run of this pair. */
  readonly newChecks: readonly string[];
  readonly message: string;
}

export interface MetricChange {
  readonly id: string;
  readonly metric: "run-time" | "p99";
  readonly baseline: number;
  readonly current: number;
  /** Grew over both thresholds (a regression); else it shrank as much (an improvement). */
  readonly regression: boolean;
  readonly message: string;
}

export interface QualificationComparison {
  readonly verdict: "pass" | "regression";
  /** Failing or not judged now; passed (or was absent, refused, not run) before. */
  readonly newFailures: readonly PairChange[];
  /** Passing now; failing or not judged before. */
  readonly fixed: readonly PairChange[];
  readonly stillFailing: readonly PairChange[];
  /** Run time and p99 that moved past the thresholds, either way. */
  readonly changes: readonly MetricChange[];
  /** Pairs only one of the two has. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly notes: readonly string[];
}

const FAILING: ReadonlySet<PairVerdict> = new Set(["fail", "error"]);
const failing = (p: QualificationPair | undefined): boolean => p !== undefined && FAILING.has(p.verdict);
const checkIds = (p: QualificationPair | undefined): string[] => (p?.failedChecks ?? []).map((c) => c.id);
const moved = (base: number, cur: number, ratio: number, minDelta: number): "up" | "down" | null =>
  cur > base * ratio && cur - base > minDelta ? "up" : base > cur * ratio && base - cur > minDelta ? "down" : null;

export type QualificationThresholds = Pick<CompareThresholds, "runTimeRatio" | "runTimeMinDeltaMs" | "p99Ratio" | "p99MinDeltaMs">;

export function compareQualifications(base: Qualification, cur: Qualification, t: QualificationThresholds): QualificationComparison {
  const before = new Map(base.pairs.map((p) => [p.id, p]));
  const now = new Map(cur.pairs.map((p) => [p.id, p]));
  const change = (id: string, message: (b: QualificationPair | undefined, c: QualificationPair | undefined) => string): PairChange => {
    const b = before.get(id);
    const c = now.get(id);
    const old = new Set(checkIds(b));
    return { id, baseline: b?.verdict ?? "absent", current: c?.verdict ?? "absent", failedChecks: checkIds(c), newChecks: failing(b) ? checkIds(c).filter((x) => !old.has(x)) : [], message: message(b, c) };
  };
  const why = (c: QualificationPair | undefined): string => (c?.error ?? (checkIds(c).join(", ") || c?.refusal || ""));
  const newFailures: PairChange[] = [];
  const fixed: PairChange[] = [];
  const stillFailing: PairChange[] = [];
  const changes: MetricChange[] = [];
  for (const c of cur.pairs) {
    const b = before.get(c.id);
    if (failing(c) && !failing(b)) newFailures.push(change(c.id, () => `${c.id}: ${b?.verdict ?? "absent"} -> ${c.verdict} (${why(c)})`));
    else if (failing(c)) stillFailing.push(change(c.id, (bb) => `${c.id}: still ${c.verdict} (${why(c)}; was ${bb!.verdict}: ${why(bb)})`));
    else if (c.verdict === "pass" && failing(b)) fixed.push(change(c.id, () => `${c.id}: ${b!.verdict} -> pass (was: ${why(b)})`));
    if (!b || b.reportDir === null || c.reportDir === null) continue;
    const rt = b.durationMs > 0 && c.durationMs > 0 ? moved(b.durationMs, c.durationMs, t.runTimeRatio, t.runTimeMinDeltaMs) : null;
    if (rt) changes.push({ id: c.id, metric: "run-time", baseline: b.durationMs, current: c.durationMs, regression: rt === "up", message: `${c.id}: run time ${(b.durationMs / 1000).toFixed(0)} s -> ${(c.durationMs / 1000).toFixed(0)} s` });
    const p99 = b.p99Ms !== null && c.p99Ms !== null ? moved(b.p99Ms, c.p99Ms, t.p99Ratio, t.p99MinDeltaMs) : null;
    if (p99) changes.push({ id: c.id, metric: "p99", baseline: b.p99Ms!, current: c.p99Ms!, regression: p99 === "up", message: `${c.id}: p99 ${Math.round(b.p99Ms!)} ms -> ${Math.round(c.p99Ms!)} ms` });
  }
  const notes: string[] = [];
  if (base.target !== cur.target) notes.push(`the target differs: ${base.target} -> ${cur.target}`);
  if (base.imageTemplate !== cur.imageTemplate) notes.push(`the images differ: ${base.imageTemplate} -> ${cur.imageTemplate}`);
  if (base.planFingerprint !== cur.planFingerprint) notes.push("the plans differ (pairs, scenarios, images or run settings): pairs are compared by id");
  const regression = newFailures.length > 0 || stillFailing.some((s) => s.newChecks.length > 0) || changes.some((c) => c.regression);
  return {
    verdict: regression ? "regression" : "pass", newFailures, fixed, stillFailing, changes,
    added: cur.pairs.filter((p) => !before.has(p.id)).map((p) => p.id), removed: base.pairs.filter((p) => !now.has(p.id)).map((p) => p.id), notes,
  };
}

const section = (title: string, lines: readonly string[]): string[] => (lines.length ? [title, ...lines.map((l) => `  ${l}`)] : []);
const stillLine = (s: PairChange): string => `${s.message}${s.newChecks.length ? `; newly failing: ${s.newChecks.join(", ")}` : ""}`;
const changeLine = (c: MetricChange): string => `${c.message} (${c.regression ? "slower: regression" : "faster"})`;

/** The console text. */
export function formatQualificationComparison(c: QualificationComparison, baseDir: string, curDir: string): string {
  return [`${c.verdict === "pass" ? "NO REGRESSION" : "REGRESSION"}: qualification ${curDir} against ${baseDir}: ${c.newFailures.length} new failures, ${c.fixed.length} fixed, ${c.stillFailing.length} still failing, ${c.changes.filter((x) => x.regression).length} slower`,
    ...section("new failures:", c.newFailures.map((x) => x.message)), ...section("fixed:", c.fixed.map((x) => x.message)),
    ...section("still failing:", c.stillFailing.map(stillLine)), ...section("run time and p99:", c.changes.map(changeLine)),
    ...section("only in the current qualification:", c.added), ...section("only in the baseline:", c.removed), ...section("note:", c.notes)].join("\n");
}

/** The job summary's section. */
export function qualificationComparisonMarkdown(c: QualificationComparison, baseLabel: string): string {
  const cell = (t: string): string => t.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rows = (kind: string, list: readonly PairChange[]): string[] => list.map((x) => `| ${kind} | \`${x.id}\` | ${x.baseline} → ${x.current} | ${cell(x.current === "pass" ? "" : [x.failedChecks.join(", "), x.newChecks.length ? `(newly failing: ${x.newChecks.join(", ")})` : ""].filter(Boolean).join(" "))} |`);
  const table = [...rows("❌ new failure", c.newFailures), ...rows("✅ fixed", c.fixed), ...rows("⚠️ still failing", c.stillFailing)];
  return [`### ${c.verdict === "pass" ? "✅ No regression" : "❌ Regression"} against ${baseLabel}`, "",
    `${c.newFailures.length} new failures, ${c.fixed.length} fixed, ${c.stillFailing.length} still failing.`, "",
    ...(table.length ? ["| change | pair | verdict | failing checks |", "|---|---|---|---|", ...table, ""] : []),
    ...(c.changes.length ? ["| pair | metric | before | now | |", "|---|---|---:|---:|---|",
      ...c.changes.map((x) => `| \`${x.id}\` | ${x.metric} | ${x.metric === "p99" ? `${Math.round(x.baseline)} ms` : `${(x.baseline / 1000).toFixed(0)} s`} | ${x.metric === "p99" ? `${Math.round(x.current)} ms` : `${(x.current / 1000).toFixed(0)} s`} | ${x.regression ? "slower" : "faster"} |`), ""] : []),
    ...(c.added.length ? [`New pairs: ${c.added.map((x) => `\`${x}\``).join(", ")}`, ""] : []),
    ...(c.removed.length ? [`Pairs no longer run: ${c.removed.map((x) => `\`${x}\``).join(", ")}`, ""] : []),
    ...c.notes.map((n) => `> ${n}`), ""].join("\n");
}
