// Cassandra in place accepts a window of downtime (the seed: "a small window of downtime, since the
// old and new versions cannot use the database at the same time"). The window runs from the first
// failed load request to the end of the last one; it must fit the scenario's budget, and every
// failure must fall inside the phase where downtime is accepted (the cut-over): outside it, zero.
// "No downtime" is evidence only when the load ran through that phase to its end: a run whose
// cut-over never ran, never ended, or saw no load request is unknown, never pass.
import type { Check, CheckContext, CheckResult } from "./check.ts";
import type { RequestLine, UpgradePhase } from "./records.ts";
import { classifyRequest, isLoad } from "./requests.ts";
import { bump, byCount, ms, n } from "./stats.ts";
import { positionLabel, type PhaseSpan } from "./timeline.ts";

const ID = "downtime-window";
const SHOWN = 10;

interface Window {
  total: number;
  failed: number;
  startMs: number;
  endMs: number;
  byKind: Record<string, number>;
  outside: number;
  outsideGroups: Record<string, number>;
  firstOutside: Record<string, unknown>[];
  /** Load requests started inside the accepted phase. */
  duringPhase: number;
  /** Load requests that ended inside the window: served or failed. */
  inWindow: { startMs: number; endMs: number; ok: boolean }[];
}

const inside = (span: PhaseSpan | undefined, r: RequestLine): boolean => span !== undefined && r.startMs >= span.startMs && r.startMs <= span.endMs;

async function measure(ctx: CheckContext, span: PhaseSpan | undefined): Promise<Window> {
  const w: Window = { total: 0, failed: 0, startMs: Infinity, endMs: -Infinity, byKind: {}, outside: 0, outsideGroups: {}, firstOutside: [], duringPhase: 0, inWindow: [] };
  const all: { startMs: number; endMs: number; ok: boolean }[] = [];
  for await (const r of ctx.requests()) {
    if (!isLoad(r)) continue;
    w.total += 1;
    if (inside(span, r)) w.duringPhase += 1;
    const kind = classifyRequest(r, ctx.expectations.baseline);
    all.push({ startMs: r.startMs, endMs: r.endMs, ok: kind === "ok" });
    if (kind === "ok" || kind === "unknown-probe") continue;
    w.failed += 1;
    w.startMs = Math.min(w.startMs, r.startMs);
    w.endMs = Math.max(w.endMs, r.endMs);
    const what = kind === "status" ? `status ${r.status}` : kind;
    bump(w.byKind, what);
    if (inside(span, r)) continue;
    w.outside += 1;
    const where = positionLabel(ctx.timeline.at(r.startMs));
    bump(w.outsideGroups, `${what}${r.node ? ` on ${r.node}` : ""} during ${where}`);
    if (w.firstOutside.length < SHOWN) w.firstOutside.push({ ...r, kind, expected: ctx.expectations.baseline[r.probe], during: where });
  }
  w.inWindow = all.filter((x) => x.endMs >= w.startMs && x.startMs <= w.endMs);
  return w;
}

const kinds = (c: Record<string, number>): string => byCount(c).map(([k, v]) => `${k} ${n(v)}`).join(", ");

export const downtimeWindow: Check = {
  id: ID,
  description: "failed load requests only inside the accepted downtime phase, in a window no longer than the scenario's budget",
  async check(ctx): Promise<CheckResult> {
    const budget = ctx.expectations.downtimeBudgetMs;
    const phase: UpgradePhase = ctx.expectations.downtimePhase ?? "Cutover";
    if (budget === undefined) return { id: ID, status: "unknown", message: "no downtime budget in expectations.json (downtimeBudgetMs): nothing to judge the window against", evidence: [] };
    const span = ctx.timeline.phase(phase);
    const w = await measure(ctx, span);
    const windowMs = w.failed > 0 ? w.endMs - w.startMs : 0;
    const served = w.inWindow.filter((x) => x.ok).length;
    const phaseText = span ? `${phase} ran ${ms(span.startMs)}-${Number.isFinite(span.endMs) ? ms(span.endMs) : "(never ended)"}` : `${phase} never ran`;
    const data = {
      budgetMs: budget, phase, windowMs, failed: w.failed, total: w.total, duringPhase: w.duringPhase, byKind: w.byKind, servedInWindow: served,
      ...(w.failed > 0 ? { startMs: w.startMs, endMs: w.endMs } : {}), outside: w.outside, outsideGroups: w.outsideGroups, firstOutside: w.firstOutside,
    };
    if (w.total === 0) return { id: ID, status: "unknown", message: "no load requests in requests.jsonl: the load did not run, so no window can be measured", evidence: [], data };
    const windowText = w.failed === 0 ? "no failed request (no downtime)"
      : `downtime window ${ms(windowMs)} (${ms(w.startMs)} to ${ms(w.endMs)}): ${n(w.failed)} failed (${kinds(w.byKind)}), ${n(served)} served inside it`;
    const evidence = [`${windowText}; budget ${ms(budget)}; ${phaseText}; ${n(w.total)} load requests in all, ${n(w.duringPhase)} of them started during ${phase}`];
    const problems: string[] = [];
    if (windowMs > budget) problems.push(`the downtime window of ${ms(windowMs)} exceeds the budget of ${ms(budget)} (${n(w.failed)} failed: ${kinds(w.byKind)})`);
    if (w.outside > 0) {
      const groups = byCount(w.outsideGroups);
      problems.push(`${n(w.outside)} failed ${w.outside === 1 ? "request falls" : "requests fall"} outside the ${phase} phase: ${groups.slice(0, 5).map(([g, c]) => `${n(c)} ${g}`).join(", ")}`);
      evidence.push(`first ${w.firstOutside.length} failures outside ${phase} in full (see requests.jsonl):`, ...w.firstOutside.map((f) => JSON.stringify(f)));
    }
    if (problems.length > 0) return { id: ID, status: "fail", message: problems.join("; "), evidence, data };
    if (!span) return { id: ID, status: "unknown", message: `${phase} never ran: the load never crossed the phase where downtime happens, so no window could be measured`, evidence, data };
    if (!Number.isFinite(span.endMs)) return { id: ID, status: "unknown", message: `${phase} never ended (the run stopped inside it, from ${ms(span.startMs)}): the downtime window may have gone on after the last request`, evidence, data };
    if (w.duringPhase === 0) return { id: ID, status: "unknown", message: `no load request started during ${phase} (${ms(span.startMs)}-${ms(span.endMs)}): the load did not cover the phase where downtime happens, so its window was never measured`, evidence, data };
    return { id: ID, status: "pass", message: `${windowText}, within the budget of ${ms(budget)} and inside ${phase}`, evidence, data };
  },
};
