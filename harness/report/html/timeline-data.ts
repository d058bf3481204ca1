// Per-second series for the report's timeline, from one streamed pass over requests.jsonl:
// requests and failures per cluster, latency p50/p99 per cluster, achieved green share. Only the
// load generator's requests count (as in the checks); a request belongs to the second it started in.
import { classifyRequest, isLoad, percentile, type Baseline, type RequestLine } from "../../checks/index.ts";

export type SeriesCluster = "blue" | "green" | "none";
export const SERIES_CLUSTERS: readonly SeriesCluster[] = ["blue", "green", "none"];

/** Column per series, one entry per second from second 0 (the run's clock origin). */
export interface TimelineSeries {
  /** Number of one-second buckets (the chart's x points). */
  readonly seconds: number;
  readonly requests: Readonly<Record<SeriesCluster, readonly number[]>>;
  readonly failures: Readonly<Record<SeriesCluster, readonly number[]>>;
  readonly p50: Readonly<Record<"blue" | "green", readonly (number | null)[]>>;
  readonly p99: Readonly<Record<"blue" | "green", readonly (number | null)[]>>;
  /** green / (blue + green) in percent; null in a second without answered requests. */
  readonly achievedGreenPct: readonly (number | null)[];
  readonly totals: { readonly requests: number; readonly failures: number };
}

interface Bucket { requests: Record<SeriesCluster, number>; failures: Record<SeriesCluster, number>; lat: { blue: number[]; green: number[] } }
const bucket = (): Bucket => ({ requests: { blue: 0, green: 0, none: 0 }, failures: { blue: 0, green: 0, none: 0 }, lat: { blue: [], green: [] } });

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * Buckets the load's requests per second. `minSeconds` stretches the series to cover the whole
 * run (e.g. up to the last phase's end) even where no request was made.
 */
export async function timelineSeries(records: AsyncIterable<RequestLine>, baseline: Baseline, minSeconds = 0): Promise<TimelineSeries> {
  const buckets: Bucket[] = [];
  let requests = 0;
  let failures = 0;
  for await (const r of records) {
    if (!isLoad(r)) continue;
    const s = Math.max(0, Math.floor(r.startMs / 1000));
    const b = (buckets[s] ??= bucket());
    const failed = classifyRequest(r, baseline) !== "ok";
    b.requests[r.cluster] += 1;
    requests += 1;
    if (failed) { b.failures[r.cluster] += 1; failures += 1; }
    if (r.status !== null && r.cluster !== "none") b.lat[r.cluster].push(r.endMs - r.startMs);
  }
  const seconds = Math.max(buckets.length, Math.ceil(minSeconds));
  const all = Array.from({ length: seconds }, (_, i) => buckets[i] ?? bucket());
  const col = <T>(f: (b: Bucket) => T): T[] => all.map(f);
  const q = (c: "blue" | "green", p: number) => col((b) => {
    if (b.lat[c].length === 0) return null;
    return round1(percentile([...b.lat[c]].sort((x, y) => x - y), p));
  });
  return {
    seconds,
    requests: { blue: col((b) => b.requests.blue), green: col((b) => b.requests.green), none: col((b) => b.requests.none) },
    failures: { blue: col((b) => b.failures.blue), green: col((b) => b.failures.green), none: col((b) => b.failures.none) },
    p50: { blue: q("blue", 0.5), green: q("green", 0.5) },
    p99: { blue: q("blue", 0.99), green: q("green", 0.99) },
    achievedGreenPct: col((b) => {
      const answered = b.requests.blue + b.requests.green;
      return answered === 0 ? null : round1((100 * b.requests.green) / answered);
    }),
    totals: { requests, failures },
  };
}

/** Sum of a column per second over the given clusters. */
export function sumSeries(series: Readonly<Record<SeriesCluster, readonly number[]>>, clusters: readonly SeriesCluster[] = SERIES_CLUSTERS): number[] {
  const length = series.blue.length;
  return Array.from({ length }, (_, i) => clusters.reduce((a, c) => a + (series[c][i] ?? 0), 0));
}
