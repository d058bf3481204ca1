// A migration that locks tables under live traffic may cause no error at all, only slow answers
// (the load balancer waits up to its upstream timeout). So the old cluster's latency while
// `kong migrations up` runs must stay within `multiple` x its baseline p99 (the load before the
// MigrationsUp phase), and the bound is never below `floorMs`: a baseline of a few milliseconds
// times three would otherwise fail on scheduling noise (see DEFAULT_UP_LATENCY).
import { pairOps } from "./history.ts";
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { F, type RequestLine } from "./records.ts";
import { durationMs as duration, isLoad } from "./requests.ts";
import { bump, byCount, n, quantiles, type Quantiles } from "./stats.ts";

const ID = "old-latency-during-up";
/**
 * 3 x p99 as the issue asks. The 2 s floor: on the lab's 2 shared cores, with migration
 * containers starting beside the old nodes and other runs on the machine, single requests of a
 * clean run take up to ~1 s (measured: baseline p99 603 ms, max 966 ms; p99 during `up` 270 ms);
 * a lock held for seconds, which is what the check is for, still shows far above 2 s.
 */
export const DEFAULT_UP_LATENCY = { multiple: 3, floorMs: 2_000 } as const;
const MIN_BASELINE = 20;
const MIN_DURING = 10;

interface Window { readonly fromMs: number; readonly toMs: number }

async function collect(ctx: CheckContext, windows: readonly Window[]): Promise<{ baseline: number[]; during: RequestLine[] }> {
  // The baseline ends where the MigrationsUp phase starts (its `list` runs a container too).
  const first = Math.min(ctx.timeline.phase("MigrationsUp")?.startMs ?? Infinity, ...windows.map((w) => w.fromMs));
  const baseline: number[] = [];
  const during: RequestLine[] = [];
  for await (const r of ctx.requests()) {
    if (!isLoad(r) || r.cluster !== "blue" || r.node === null) continue;
    // The baseline is what an answer normally takes: a request that got none (timeout, reset) is
    // zero-failed-requests' business and would make any later stall look normal.
    if (r.startMs < first) { if (r.status !== null && r.error === undefined) baseline.push(duration(r)); }
    else if (windows.some((w) => w.fromMs <= r.startMs && r.startMs <= w.toMs)) during.push(r);
  }
  return { baseline, during };
}

const q = (x: Quantiles): string => `p50 ${n(x.p50)} ms, p99 ${n(x.p99)} ms, max ${n(x.max)} ms over ${n(x.count)} requests`;

/** The probe and node whose requests were slowest during `up` (at or above the bound). */
function slowest(during: readonly RequestLine[], boundMs: number): string {
  const byProbe: Record<string, number> = {};
  const byNode: Record<string, number> = {};
  for (const r of during) if (duration(r) > boundMs) { bump(byProbe, r.probe); bump(byNode, r.node ?? "(none)"); }
  const list = (c: Record<string, number>): string => byCount(c).map(([k, v]) => `${k} ${n(v)}`).join(", ");
  return `requests over the bound by probe: ${list(byProbe) || "none"}; by node: ${list(byNode) || "none"}`;
}

export const oldLatencyDuringUp: Check = {
  id: ID,
  description: "the old cluster's p99 latency while `kong migrations up` runs stays within the scenario's multiple of its baseline p99",
  async check(ctx): Promise<CheckResult> {
    const limits = ctx.expectations.upLatency ?? DEFAULT_UP_LATENCY;
    const windows: Window[] = pairOps(ctx.history, F.migrationsUp).map((p) => ({ fromMs: p.invoke.timeMs, toMs: p.completion?.timeMs ?? Infinity }));
    if (windows.length === 0) return { id: ID, status: "unknown", message: "no `kong migrations up` in history.jsonl: nothing to compare", evidence: [] };
    const { baseline, during } = await collect(ctx, windows);
    const base = quantiles(baseline);
    const up = quantiles(during.map(duration));
    const evidence = [`baseline (old cluster, answered load before MigrationsUp): ${base ? q(base) : "no requests"}`, `during \`up\` (${windows.map((w) => `${n(Math.round(w.fromMs))}-${Number.isFinite(w.toMs) ? n(Math.round(w.toMs)) : "open"} ms`).join(", ")}): ${up ? q(up) : "no requests"}`];
    if (!base || base.count < MIN_BASELINE) return { id: ID, status: "unknown", message: `only ${n(base?.count ?? 0)} old-cluster requests before MigrationsUp (need ${MIN_BASELINE}): no baseline latency`, evidence };
    if (!up || up.count < MIN_DURING) return { id: ID, status: "unknown", message: `only ${n(up?.count ?? 0)} old-cluster requests while \`up\` ran (need ${MIN_DURING}): its latency cannot be judged`, evidence };
    const boundMs = Math.max(limits.multiple * base.p99, limits.floorMs);
    const bound = `${limits.multiple} x the baseline p99 ${n(base.p99)} ms, floor ${n(limits.floorMs)} ms: ${n(boundMs)} ms`;
    const data = { multiple: limits.multiple, floorMs: limits.floorMs, boundMs, baseline: base, duringUp: up, windows };
    if (up.p99 > boundMs) {
      return {
        id: ID, status: "fail",
        message: `old-cluster latency during \`kong migrations up\` went over the bound: p99 ${n(up.p99)} ms (max ${n(up.max)} ms, ${n(up.count)} requests) > ${bound}; ${slowest(during, boundMs)}`,
        evidence: [...evidence, "see requests.jsonl"], data,
      };
    }
    return { id: ID, status: "pass", message: `old-cluster p99 during \`kong migrations up\` was ${n(up.p99)} ms (${n(up.count)} requests), within ${bound}`, evidence, data };
  },
};
