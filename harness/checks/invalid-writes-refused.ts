// Admin writes that are invalid on purpose (value.expectRejected = the status Kong must answer,
// e.g. 400 schema violation) must be refused with exactly that status. An accepted invalid write
// is a finding (the datastore now holds data Kong's schema forbids); another status is one too.
// A write with an unknown outcome (info: timeout) cannot be judged; writes the harness's own guard
// refused were never sent and are skipped.
import type { Check, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { F, WRITE_NOT_SENT, WRITE_REFUSED, type AdminWriteValue } from "./records.ts";
import { n } from "./stats.ts";
import type { Timeline } from "./timeline.ts";

const ID = "invalid-writes-refused";
const MESSAGE_PROBLEMS = 3;

export type InvalidWriteVerdict = "refused" | "accepted" | "wrong-status" | "unknown";

export interface InvalidWriteOutcome {
  readonly writeId: string;
  readonly entity: string;
  readonly action: string;
  readonly via: string;
  readonly during: string;
  readonly expected: number;
  readonly verdict: InvalidWriteVerdict;
  /** What came back: "accepted", the completion's error ("status 201: ..."), or "no completion". */
  readonly answer: string;
}

function outcome(p: OpPair<AdminWriteValue>, expected: number, timeline: Timeline): InvalidWriteOutcome {
  const v = p.invoke.value;
  const c = p.completion;
  const base = { writeId: v.writeId, entity: v.entity, action: v.action, via: p.invoke.node ?? v.cluster, during: timeline.labelOp(p.invoke), expected };
  if (c?.type === "ok") return { ...base, verdict: "accepted", answer: "accepted" };
  if (c?.type === "fail") {
    const error = c.error ?? "(no error)";
    return { ...base, verdict: error.startsWith(`status ${expected}`) ? "refused" : "wrong-status", answer: error };
  }
  return { ...base, verdict: "unknown", answer: c ? `unknown outcome (${c.error ?? "info"})` : "no completion" };
}

const where = (o: InvalidWriteOutcome): string => `(${o.action} ${o.entity} via ${o.via} during ${o.during})`;

function problem(o: InvalidWriteOutcome): string {
  if (o.verdict === "accepted") return `write ${o.writeId} was accepted where Kong must refuse it with ${o.expected} ${where(o)}`;
  return `write ${o.writeId} was answered "${o.answer.slice(0, 120)}" where Kong must refuse it with ${o.expected} ${where(o)}`;
}

export const invalidWritesRefused: Check = {
  id: ID,
  description: "Admin writes that Kong must refuse (e.g. 400 schema violation) are refused with that status, never accepted",
  async check(ctx): Promise<CheckResult> {
    const invalid = pairOps<AdminWriteValue>(ctx.history, F.adminWrite)
      // Writes that never reached Kong (the harness's guard, or a node down under a fault) have nothing to judge.
      .filter((p) => p.invoke.value.expectRejected !== undefined && p.completion?.error !== WRITE_REFUSED && !p.completion?.error?.startsWith(WRITE_NOT_SENT));
    const outcomes = invalid.map((p) => outcome(p, p.invoke.value.expectRejected!, ctx.timeline));
    const count = (v: InvalidWriteVerdict): number => outcomes.filter((o) => o.verdict === v).length;
    const summary = `${n(outcomes.length)} invalid writes: ${n(count("refused"))} refused as expected, ${n(count("accepted"))} accepted, ${n(count("wrong-status"))} answered another status, ${n(count("unknown"))} with unknown outcome`;
    const bad = outcomes.filter((o) => o.verdict === "accepted" || o.verdict === "wrong-status");
    const unsure = outcomes.filter((o) => o.verdict === "unknown");
    const evidence = [summary, ...bad.map(problem), ...unsure.map((o) => `write ${o.writeId} ${where(o)}: ${o.answer}`)];
    const data = { writes: outcomes };
    if (outcomes.length === 0) return { id: ID, status: "unknown", message: "no invalid Admin writes (expectRejected) in history.jsonl: nothing to check", evidence, data };
    if (bad.length > 0) {
      const more = bad.length > MESSAGE_PROBLEMS ? `; and ${n(bad.length - MESSAGE_PROBLEMS)} more` : "";
      const head = `${n(bad.length)} of ${n(outcomes.length)} invalid Admin writes were not refused as Kong must`;
      return { id: ID, status: "fail", message: `${head}: ${bad.slice(0, MESSAGE_PROBLEMS).map(problem).join("; ")}${more}`, evidence: [...evidence, "see history.jsonl (f \"admin-write\", value.expectRejected)"], data };
    }
    if (unsure.length > 0) {
      return { id: ID, status: "unknown", message: `${n(unsure.length)} of ${n(outcomes.length)} invalid Admin writes have an unknown outcome, so they may have been accepted; the other ${n(count("refused"))} were refused`, evidence, data };
    }
    const statuses = [...new Set(outcomes.map((o) => o.expected))].join(", ");
    return { id: ID, status: "pass", message: `all ${n(outcomes.length)} invalid Admin writes were refused with the status Kong must answer (${statuses})`, evidence, data };
  },
};
