// The green share achieved at each shift step must be within a tolerance of the plan.
// A request counts for step i when it started (was routed) at or after the LB confirmed step i's
// weights (the step op's ok) and before the next change was requested (the next step's invoke,
// or the end of the Shift phase). When it ends does not matter: the LB chose its cluster when it
// started, and counting only answers that ended inside the step would under-count a slower
// cluster. Requests started before the weights were confirmed, requests the LB could not route
// (cluster "none") and non-load requests are excluded, and so are those that started within
// EDGE_MS of either edge: the load balancer's clock and the harness's agree only to about a
// millisecond (HAProxy logs whole milliseconds of active time and its date is read once per
// wake-up), so such a request may have been split under the weight on the other side of the edge.
import type { Check, CheckResult } from "./check.ts";
import { isLoad } from "./requests.ts";
import { n } from "./stats.ts";
import type { StepSpan } from "./timeline.ts";

const ID = "traffic-split";
/** How far apart the load balancer's record times and the harness's history may be. */
export const EDGE_MS = 2;

export interface StepSplit {
  readonly index: number;
  readonly planned: number;
  /** Green share in percent; null without data. */
  readonly achieved: number | null;
  readonly blue: number;
  readonly green: number;
  /** In flight across a step edge, or not routed. */
  readonly excluded: number;
  readonly deviation: number | null;
  readonly status: "pass" | "fail" | "unknown";
  readonly note?: string;
}

const pct = (v: number): string => `${v.toFixed(1)}%`;

function judge(s: StepSpan, blue: number, green: number, excluded: number, tolerance: number): StepSplit {
  const base = { index: s.index, planned: s.greenWeight, blue, green, excluded };
  if (s.appliedMs === null) return { ...base, achieved: null, deviation: null, status: "unknown", note: "the LB never confirmed the weights" };
  if (blue + green === 0) return { ...base, achieved: null, deviation: null, status: "unknown", note: "no values found: no request started inside the step" };
  const achieved = (100 * green) / (blue + green);
  const deviation = Math.abs(achieved - s.greenWeight);
  return { ...base, achieved, deviation, status: deviation <= tolerance ? "pass" : "fail" };
}

export const trafficSplit: Check = {
  id: ID,
  description: "achieved green share per shift step within the tolerance of the plan",
  async check(ctx): Promise<CheckResult> {
    const tolerance = ctx.expectations.splitTolerancePct ?? 3;
    const steps = ctx.timeline.steps;
    if (steps.length === 0) return { id: ID, status: "unknown", message: "no shift steps in history.jsonl: the shift did not run", evidence: [] };
    const tallies = steps.map(() => ({ blue: 0, green: 0, excluded: 0 }));
    for await (const r of ctx.requests()) {
      if (!isLoad(r)) continue;
      const i = steps.findIndex((s) => s.startMs <= r.startMs && r.startMs < s.endMs);
      if (i < 0) continue;
      const s = steps[i]!;
      const t = tallies[i]!;
      const inside = s.appliedMs !== null && r.startMs >= s.appliedMs + EDGE_MS && r.startMs < s.endMs - EDGE_MS;
      if (!inside || r.cluster === "none") t.excluded += 1;
      else t[r.cluster] += 1;
    }
    const splits = steps.map((s, i) => judge(s, tallies[i]!.blue, tallies[i]!.green, tallies[i]!.excluded, tolerance));
    const problems: string[] = [];
    const plan = ctx.expectations.shiftPlan;
    if (plan) {
      steps.forEach((s) => {
        if (plan[s.index] !== s.greenWeight) problems.push(`step ${s.index} ran at ${s.greenWeight}% but the plan says ${plan[s.index] ?? "nothing"}`);
      });
    }
    const missing = plan ? plan.filter((_, i) => !steps.some((s) => s.index === i)).map((w) => `${w}%`) : [];
    const evidence = splits.map((s) => `step ${s.planned}%: achieved ${s.achieved === null ? "n/a" : pct(s.achieved)} (blue ${n(s.blue)}, green ${n(s.green)}, excluded ${n(s.excluded)}) ${s.status}${s.note ? `: ${s.note}` : ""}`);
    const data = { tolerancePct: tolerance, steps: splits };
    const off = splits.filter((s) => s.status === "fail");
    if (off.length > 0 || problems.length > 0) {
      const offText = off.map((s) => `step ${s.planned}% got ${pct(s.achieved!)} green (of ${n(s.blue + s.green)} requests)`);
      return { id: ID, status: "fail", message: `achieved split off the plan by more than ${tolerance} pp: ${[...offText, ...problems].join("; ")}`, evidence: [...evidence, "see requests.jsonl and history.jsonl (f \"step\")"], data };
    }
    const unknowns = splits.filter((s) => s.status === "unknown");
    if (unknowns.length > 0 || missing.length > 0) {
      const parts = [...unknowns.map((s) => `step ${s.planned}%: ${s.note}`), ...(missing.length ? [`planned steps never ran: ${missing.join(", ")}`] : [])];
      return { id: ID, status: "unknown", message: `split could not be judged at every step: ${parts.join("; ")}`, evidence, data };
    }
    const worstStep = splits.reduce((a, s) => ((s.deviation ?? 0) > (a.deviation ?? 0) ? s : a));
    return { id: ID, status: "pass", message: `achieved green share within ${tolerance} pp of the plan at all ${splits.length} steps (largest deviation ${(worstStep.deviation ?? 0).toFixed(1)} pp at ${worstStep.planned}%)`, evidence, data };
  },
};
