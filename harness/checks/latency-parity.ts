// An upgrade can keep every status code and still make every answer slower. While both clusters
// serve (shift steps with a green weight strictly between 0 and 100), the new cluster's latency is
// compared with the old one's per route (probe) and over all routes, counting only the seconds in
// which both clusters answered that route: whatever slows the whole machine in a second (a
// migration container starting, a garbage collection in the load generator) slows both sides.
// A side fails only when it is slower by a ratio AND by an absolute margin: answers of a few
// milliseconds double on scheduling noise alone, and what operators notice is the added time.
// p99 is judged without each side's slowest second: one node stalling once for a few hundred
// milliseconds (a garbage collection, a router rebuild, the 2-core machine busy elsewhere) puts
// more than 1% of a short run's answers above any margin, yet is no slowdown of the version; a
// slowdown that lasts, or recurs, is still there with one second left out.
import type { Check, CheckResult, LatencyParityLimits } from "./check.ts";
import type { RequestLine } from "./records.ts";
import { durationMs as duration, isLoad } from "./requests.ts";
import { n, quantiles, type Quantiles } from "./stats.ts";

const ID = "latency-parity";

/**
 * Measured on the lab machine (2 shared cores), new against old over all routes in the same
 * seconds, in 77 blue/green and new-keyspace runs with a both-serving step (71 on stand-ins, 6 on
 * real Kong 1.5.1 to 3.0.1): p50 at most 2.0 x but +1 ms; p99 at most 2.9 x, +33 ms. So a ratio
 * alone would fail clean runs; the margins (+25 ms, +100 ms) are far above any clean run and far
 * below a regression operators notice (150 ms added to every answer fails both quantiles).
 * p99 needs more answers than p50 to mean anything: with 30 answers it is the maximum.
 */
export const DEFAULT_LATENCY_PARITY: LatencyParityLimits = {
  p50: { ratio: 2, minDeltaMs: 25 },
  p99: { ratio: 3, minDeltaMs: 100 },
  minPerSide: 30,
  minPerSideP99: 100,
};

/** The name of the group that pools every route. */
export const ALL_ROUTES = "all routes";
/** Routes named in a failure message before "and N more". */
const MESSAGE_GROUPS = 4;

interface Sides { blue: number[]; green: number[] }
export interface GroupResult {
  readonly group: string;
  readonly blue: Quantiles | null;
  readonly green: Quantiles | null;
  /** null when too few answers on a side to judge; otherwise what went over (empty: within). */
  readonly over: readonly string[] | null;
}

const noSides = (): Sides => ({ blue: [], green: [] });

/** The value under `key`, created by `make` the first time. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

const bothServe = (r: RequestLine): boolean => r.greenWeight !== undefined && r.greenWeight > 0 && r.greenWeight < 100;

/** Answered load requests of both-serving steps, by probe and clock second. */
async function cells(requests: () => AsyncIterable<RequestLine>): Promise<{ byProbe: Map<string, Map<number, Sides>>; perStep: Map<number, Sides>; perNode: Map<string, number[]>; slowest: SlowestSeconds; weighted: number }> {
  const byProbe = new Map<string, Map<number, Sides>>();
  const peaks = { blue: new Map<number, number>(), green: new Map<number, number>() };
  const perStep = new Map<number, Sides>();
  const perNode = new Map<string, number[]>();
  let weighted = 0;
  for await (const r of requests()) {
    if (r.greenWeight !== undefined) weighted++;
    // A request that got no answer is zero-failed-requests' business; its timeout is no latency.
    if (!isLoad(r) || !bothServe(r) || r.node === null || r.status === null || r.error !== undefined) continue;
    if (r.cluster !== "blue" && r.cluster !== "green") continue;
    const ms = duration(r);
    const seconds = entry(byProbe, r.probe, () => new Map<number, Sides>());
    const second = Math.floor(r.startMs / 1000);
    entry(seconds, second, noSides)[r.cluster].push(ms);
    peaks[r.cluster].set(second, Math.max(ms, peaks[r.cluster].get(second) ?? 0));
    entry(perStep, r.greenWeight!, noSides)[r.cluster].push(ms);
    entry(perNode, r.node, () => []).push(ms);
  }
  const slowest = (m: Map<number, number>): number | undefined => [...m].reduce<[number, number] | undefined>((a, x) => (a === undefined || x[1] > a[1] ? x : a), undefined)?.[0];
  return { byProbe, perStep, perNode, slowest: { blue: slowest(peaks.blue), green: slowest(peaks.green) }, weighted };
}

/** Per side, the clock second holding its slowest answer (over every route). */
interface SlowestSeconds { readonly blue: number | undefined; readonly green: number | undefined }

/** Only the seconds in which both clusters answered; `p99` also leaves out each side's slowest second. */
function shared(seconds: ReadonlyMap<number, Sides>, slowest: SlowestSeconds): { all: Sides; p99: Sides } {
  const all = noSides();
  const p99 = noSides();
  for (const [second, cell] of seconds) {
    if (cell.blue.length === 0 || cell.green.length === 0) continue;
    all.blue.push(...cell.blue);
    all.green.push(...cell.green);
    if (second !== slowest.blue) p99.blue.push(...cell.blue);
    if (second !== slowest.green) p99.green.push(...cell.green);
  }
  return { all, p99 };
}

function judge(group: string, sides: { all: Sides; p99: Sides }, limits: LatencyParityLimits): GroupResult {
  const blue = quantiles(sides.all.blue);
  const green = quantiles(sides.all.green);
  if (!blue || !green || Math.min(blue.count, green.count) < limits.minPerSide) return { group, blue, green, over: null };
  const over: string[] = [];
  const slower = (p: "p50" | "p99", b: Quantiles, g: Quantiles): void => {
    const { ratio, minDeltaMs } = limits[p];
    if (g[p] > ratio * b[p] && g[p] - b[p] > minDeltaMs) {
      over.push(`${p} ${n(g[p])} ms new vs ${n(b[p])} ms old (> ${ratio} x and > +${n(minDeltaMs)} ms)`);
    }
  };
  slower("p50", blue, green);
  const [blue99, green99] = [quantiles(sides.p99.blue), quantiles(sides.p99.green)];
  if (blue99 && green99 && Math.min(blue99.count, green99.count) >= limits.minPerSideP99) slower("p99", blue99, green99);
  return { group, blue, green, over };
}

/** "green-1 155 ms, green-2 154 ms, blue-1 5 ms": which node is slow, new nodes first. */
function nodesText(perNode: ReadonlyMap<string, readonly number[]>): string {
  const rows = [...perNode].map(([node, xs]) => ({ node, p50: quantiles(xs)?.p50 ?? 0 }));
  const newFirst = (node: string): number => (node.startsWith("green") ? 0 : 1);
  return rows.sort((a, b) => newFirst(a.node) - newFirst(b.node) || b.p50 - a.p50 || a.node.localeCompare(b.node)).map((x) => `${x.node} ${n(x.p50)} ms`).join(", ");
}

const counts = (g: GroupResult): string => `${n(g.green?.count ?? 0)} new / ${n(g.blue?.count ?? 0)} old answers`;
const side = (x: Quantiles | null): string => (x ? `p50 ${n(x.p50)} ms, p99 ${n(x.p99)} ms` : "none");

export const latencyParity: Check = {
  id: ID,
  description: "while both clusters serve, the new cluster answers each route about as fast as the old one in the same seconds (p50 and p99 by a ratio and an absolute margin)",
  async check(ctx): Promise<CheckResult> {
    const limits = ctx.expectations.latencyParity ?? DEFAULT_LATENCY_PARITY;
    const { byProbe, perStep, perNode, slowest, weighted } = await cells(() => ctx.requests());
    const groups: GroupResult[] = [];
    const pooled = { all: noSides(), p99: noSides() };
    for (const [probe, seconds] of [...byProbe].sort(([a], [b]) => a.localeCompare(b))) {
      const s = shared(seconds, slowest);
      for (const k of ["all", "p99"] as const) {
        pooled[k].blue.push(...s[k].blue);
        pooled[k].green.push(...s[k].green);
      }
      groups.push(judge(probe, s, limits));
    }
    const all = judge(ALL_ROUTES, pooled, limits);
    const judged = [all, ...groups].filter((g) => g.over !== null);
    const bound = `p50 within ${limits.p50.ratio} x or +${n(limits.p50.minDeltaMs)} ms, p99 within ${limits.p99.ratio} x or +${n(limits.p99.minDeltaMs)} ms (p99 from ${n(limits.minPerSideP99)} answers a side, each side's slowest second left out)`;
    const data = {
      limits,
      groups: [all, ...groups],
      perNode: Object.fromEntries([...perNode].map(([node, xs]) => [node, quantiles(xs)])),
      perStep: Object.fromEntries([...perStep].sort(([a], [b]) => a - b).map(([w, s]) => [String(w), { blue: quantiles(s.blue), green: quantiles(s.green) }])),
    };
    const evidence = [all, ...groups].map((g) => `${g.group}: new ${side(g.green)}; old ${side(g.blue)} (${counts(g)} in shared seconds${g.over === null ? ", not judged: too few" : ""})`);
    if (weighted === 0) return { id: ID, status: "unknown", message: "no request in requests.jsonl carries the load balancer's green weight: no step in which both clusters served can be told", evidence, data };
    if (judged.length === 0) {
      return { id: ID, status: "unknown", message: `too few answers to compare latency while both clusters served: ${counts(all)} over all routes in seconds both answered (need ${n(limits.minPerSide)} a side); hold the shift steps longer or raise the rate`, evidence, data };
    }
    const slow = judged.filter((g) => g.over!.length > 0);
    if (slow.length > 0) {
      const more = slow.length > MESSAGE_GROUPS ? `; and ${n(slow.length - MESSAGE_GROUPS)} more routes` : "";
      return {
        id: ID, status: "fail",
        message: `the new cluster answered slower than the old one in the same seconds while both served: ${slow.slice(0, MESSAGE_GROUPS).map((g) => `${g.group}: ${g.over!.join(", ")} (${counts(g)})`).join("; ")}${more}; `
          + `p50 by node: ${nodesText(perNode)}; during the shift steps at ${[...perStep.keys()].sort((a, b) => a - b).map((w) => `${w}%`).join(", ")}`,
        evidence: [...evidence, "see requests.jsonl (cluster, node, startMs/endMs, greenWeight)"], data,
      };
    }
    const routes = judged.filter((g) => g.group !== ALL_ROUTES).length;
    return {
      id: ID, status: "pass",
      message: `new answered like old while both served: over all routes new ${side(all.green)}, old ${side(all.blue)} (${counts(all)}); ${n(routes)} of ${n(groups.length)} routes judged on their own; ${bound}`,
      evidence, data,
    };
  },
};
