// The trend over several nights' qualifications (`report trend DIR...`): per pair (and scenario), its
// verdict, run time and p99 each night, and which pairs flip between pass and fail (flaky) or grow
// slower night after night (degrading). Pure: the model of trend-html.ts's page.
import type { PairVerdict, Qualification } from "../qualify/qualification-report.ts";

export interface TrendThresholds {
  /** The latest night's value against the median of the earlier ones: over ratio x and minDelta more. */
  readonly runTimeRatio: number;
  readonly runTimeMinDeltaMs: number;
  readonly p99Ratio: number;
  readonly p99MinDeltaMs: number;
  /** Nights with a value before a pair can be called degrading. */
  readonly minNights: number;
}

/** Looser than compare's one-night regression: a slow drift shows over several nights. */
export const TREND_THRESHOLDS: TrendThresholds = { runTimeRatio: 1.25, runTimeMinDeltaMs: 10_000, p99Ratio: 1.5, p99MinDeltaMs: 20, minNights: 3 };

export interface TrendNight {
  readonly dir: string;
  readonly generatedAt: string;
  readonly target: string;
  readonly verdict: Qualification["verdict"];
  readonly standin: boolean;
}

export interface TrendCell {
  readonly verdict: PairVerdict;
  /** Null when the pair did not run that night. */
  readonly durationMs: number | null;
  readonly p99Ms: number | null;
  readonly failedChecks: readonly string[];
  readonly why: string | null;
}

export interface TrendRow {
  readonly id: string;
  readonly from: string;
  readonly target: string;
  readonly datastore: string;
  /** The scenario's name; null when the pair was never run. */
  readonly scenario: string | null;
  /** One per night, in night order; null when that night's qualification had no such pair. */
  readonly cells: readonly (TrendCell | null)[];
  /** Nights it passed, of the nights it was judged (pass, fail, error). */
  readonly passed: number;
  readonly judged: number;
  /** Times the judged verdict changed from one judged night to the next. */
  readonly flips: number;
  /** Passed and failed, and changed at least twice: neither a steady failure nor one new failure. */
  readonly flaky: boolean;
  /** Why the pair is degrading (run time or p99 up against earlier nights); empty when it is not. */
  readonly degrading: readonly string[];
}

export interface Trend {
  readonly nights: readonly TrendNight[];
  readonly rows: readonly TrendRow[];
  readonly thresholds: TrendThresholds;
}

const JUDGED: ReadonlySet<PairVerdict> = new Set(["pass", "fail", "error"]);
const scenarioName = (file: string | null): string | null => (file ? file.replace(/^.*\//, "").replace(/\.ts$/, "") : null);

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "run time 40 s -> 62 s" when the latest value grew past both thresholds against the median of the earlier nights. */
function drift(values: readonly (number | null)[], ratio: number, minDelta: number, minNights: number, what: string, unit: (v: number) => string): string[] {
  const seen = values.filter((v): v is number => v !== null);
  if (seen.length < minNights) return [];
  const latest = seen.at(-1)!;
  const before = median(seen.slice(0, -1));
  return latest > before * ratio && latest - before > minDelta ? [`${what} ${unit(before)} -> ${unit(latest)} (median of ${seen.length - 1} earlier nights)`] : [];
}

/** Builds the trend; the nights are ordered by when each qualification was written. */
export function buildTrend(inputs: readonly { readonly dir: string; readonly qualification: Qualification }[], thresholds: TrendThresholds = TREND_THRESHOLDS): Trend {
  const ordered = [...inputs].sort((a, b) => a.qualification.generatedAt.localeCompare(b.qualification.generatedAt));
  const nights: TrendNight[] = ordered.map(({ dir, qualification: q }) => ({ dir, generatedAt: q.generatedAt, target: q.target, verdict: q.verdict, standin: q.pairs.some((p) => p.standin) || q.imageTemplate.includes("standin") }));
  // Rows in the latest night's order, then the pairs only earlier nights had.
  const ids: string[] = [];
  for (const { qualification: q } of [...ordered].reverse()) for (const p of q.pairs) if (!ids.includes(p.id)) ids.push(p.id);
  const rows = ids.map((id): TrendRow => {
    const found = ordered.map(({ qualification: q }) => q.pairs.find((p) => p.id === id));
    const any = found.filter((p) => p !== undefined).at(-1)!;
    const cells = found.map((p): TrendCell | null => (p ? {
      verdict: p.verdict, durationMs: p.reportDir !== null && p.durationMs > 0 ? p.durationMs : null, p99Ms: p.p99Ms ?? null,
      failedChecks: p.failedChecks.map((c) => c.id), why: p.error ?? p.refusal ?? null,
    } : null));
    const judged = cells.filter((c): c is TrendCell => c !== null && JUDGED.has(c.verdict)).map((c) => c.verdict === "pass");
    const flips = judged.filter((v, i) => i > 0 && v !== judged[i - 1]).length;
    const passed = judged.filter(Boolean).length;
    const t = thresholds;
    const degrading = [
      ...drift(cells.map((c) => c?.durationMs ?? null), t.runTimeRatio, t.runTimeMinDeltaMs, t.minNights, "run time", (v) => `${(v / 1000).toFixed(0)} s`),
      ...drift(cells.map((c) => c?.p99Ms ?? null), t.p99Ratio, t.p99MinDeltaMs, t.minNights, "p99", (v) => `${Math.round(v)} ms`),
    ];
    const scenario = scenarioName(found.filter((p) => p?.scenario).at(-1)?.scenario ?? null);
    return { id, from: any.from, target: any.target, datastore: any.datastore, scenario, cells, passed, judged: judged.length, flips,
      flaky: passed > 0 && passed < judged.length && flips >= 2, degrading };
  });
  return { nights, rows, thresholds };
}
