// Per-phase and per-step tables for the report, from one streamed pass over requests.jsonl:
// requests, failures by kind, latency p50/p95/p99 per cluster (latency = endMs - startMs, as the
// load balancer saw it).
import { classifyRequest, isLoad, quantiles, type CheckContext, type Quantiles } from "../checks/index.ts";

export interface LatencyByCluster { readonly blue: Quantiles | null; readonly green: Quantiles | null }

export interface PhaseRow {
  readonly phase: string;
  readonly startMs: number;
  /** null while open (interrupted run). */
  readonly endMs: number | null;
  readonly durationMs: number | null;
  readonly outcome: string;
  readonly requests: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly latencyMs: LatencyByCluster;
}

export interface StepRow {
  readonly index: number;
  readonly plannedWeight: number;
  /** Achieved green share (traffic-split's definition); null without data. */
  readonly achievedWeight: number | null;
  readonly startMs: number;
  readonly appliedMs: number | null;
  readonly endMs: number | null;
  readonly requests: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly latencyMs: LatencyByCluster;
}

interface Acc { requests: number; failures: Record<string, number>; blue: number[]; green: number[] }
const acc = (): Acc => ({ requests: 0, failures: {}, blue: [], green: [] });
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
const latency = (a: Acc): LatencyByCluster => ({ blue: quantiles(a.blue), green: quantiles(a.green) });

export async function requestTables(ctx: CheckContext, achieved: ReadonlyMap<number, number | null> = new Map()): Promise<{ phases: PhaseRow[]; steps: StepRow[] }> {
  const { phases, steps } = ctx.timeline;
  const pAcc = phases.map(acc);
  const sAcc = steps.map(acc);
  for await (const r of ctx.requests()) {
    if (!isLoad(r)) continue;
    let pi = -1;
    phases.forEach((p, i) => { if (p.startMs <= r.startMs) pi = i; });
    const si = steps.findIndex((s) => s.startMs <= r.startMs && r.startMs < s.endMs);
    const kind = classifyRequest(r, ctx.expectations.baseline);
    for (const a of [pAcc[pi], sAcc[si]]) {
      if (!a) continue;
      a.requests += 1;
      if (kind !== "ok") a.failures[kind] = (a.failures[kind] ?? 0) + 1;
      if (r.status !== null && r.cluster !== "none") a[r.cluster].push(r.endMs - r.startMs);
    }
  }
  return {
    phases: phases.map((p, i) => ({
      phase: p.phase, startMs: p.startMs, endMs: finite(p.endMs), durationMs: finite(p.endMs - p.startMs), outcome: p.outcome,
      requests: pAcc[i]!.requests, failures: pAcc[i]!.failures, latencyMs: latency(pAcc[i]!),
    })),
    steps: steps.map((s, i) => ({
      index: s.index, plannedWeight: s.greenWeight, achievedWeight: achieved.get(s.index) ?? null,
      startMs: s.startMs, appliedMs: s.appliedMs, endMs: finite(s.endMs),
      requests: sAcc[i]!.requests, failures: sAcc[i]!.failures, latencyMs: latency(sAcc[i]!),
    })),
  };
}
