// A destructive `up` can hide behind caches: the running old nodes keep serving what they read
// before `up`, and only a node that reads the datastore afresh shows the damage. So after `up` the
// scenario starts a cold old node and replays the seed probes on it (probe-answers, purpose
// cold-start), and makes a running old node rebuild its router and plugins with an unrelated
// config change and probes it again (purpose rebuild). Every answer must match the baseline: an
// expected status, and a 200 from the upstream, not from Kong itself.
import type { Baseline } from "./requests.ts";
import type { Check, CheckResult } from "./check.ts";
import { F, type Op, type ProbeAnswerValue, type ProbeAnswersValue } from "./records.ts";
import type { Timeline } from "./timeline.ts";

const ID = "cold-old-node-parity";
const PURPOSES = ["cold-start", "rebuild"] as const;
const WORDS: Record<string, string> = { "cold-start": "cold start", rebuild: "rebuild" };

const expectedOf = (baseline: Baseline, probe: string): readonly number[] | undefined => {
  const e = baseline[probe];
  return e === undefined ? undefined : typeof e === "number" ? [e] : e;
};

/** "keyauth-ok got 401 (baseline 200)", or undefined when the answer is the baseline's. */
export function mismatch(baseline: Baseline, a: ProbeAnswerValue, answeredByKong: readonly string[] = []): string | undefined {
  const expected = expectedOf(baseline, a.probe);
  if (expected === undefined) return `${a.probe} has no baseline`;
  if (a.status === null) return `${a.probe} got no answer (${a.error ?? "no status"}; baseline ${expected.join(" or ")})`;
  if (!expected.includes(a.status)) return `${a.probe} got ${a.status} (baseline ${expected.join(" or ")})`;
  // A 200 Kong gives itself (a CORS preflight) is the baseline for some probes of a user's configuration.
  const byKong = answeredByKong.includes(a.probe);
  if (a.status === 200 && !a.fromUpstream && !byKong) return `${a.probe} got 200 from Kong itself, not from the upstream`;
  if (a.status === 200 && a.fromUpstream && byKong) return `${a.probe} got 200 from the upstream, where the baseline's came from Kong itself`;
  return undefined;
}

interface Judged { readonly op: Op<ProbeAnswersValue>; readonly mismatches: readonly string[] }

const describe = (j: Judged, timeline: Timeline): string =>
  `${j.op.value.node} (${WORDS[j.op.value.purpose] ?? j.op.value.purpose} during ${timeline.labelOp(j.op)}${j.op.value.detail ? `; ${j.op.value.detail}` : ""})`;

export const coldOldNodeParity: Check = {
  id: ID,
  description: "after `up`, a cold old node and a rebuilt old node answer the seed probes like the baseline (damage hidden by caches)",
  async check(ctx): Promise<CheckResult> {
    const ops = ctx.history.filter((op): op is Op<ProbeAnswersValue> => op.f === F.probeAnswers && op.type === "ok" && (PURPOSES as readonly string[]).includes((op.value as ProbeAnswersValue).purpose));
    const judged: Judged[] = ops.map((op) => ({ op, mismatches: op.value.answers.flatMap((a) => mismatch(ctx.expectations.baseline, a, ctx.expectations.answeredByKong) ?? []) }));
    const evidence = judged.map((j) => `${describe(j, ctx.timeline)}: ${j.mismatches.length ? j.mismatches.join(", ") : `${j.op.value.answers.length}/${j.op.value.answers.length} answers like the baseline`}`);
    const data = { nodes: judged.map((j) => ({ node: j.op.value.node, purpose: j.op.value.purpose, detail: j.op.value.detail, answers: j.op.value.answers, mismatches: j.mismatches })) };
    const bad = judged.filter((j) => j.mismatches.length > 0);
    if (bad.length > 0) {
      return {
        id: ID, status: "fail",
        message: `an old node that reads the datastore afresh after \`up\` answers differently from the baseline (damage hidden by the running nodes' caches): ${bad.map((j) => `${describe(j, ctx.timeline)}: ${j.mismatches.join(", ")}`).join("; ")}`,
        evidence: [...evidence, "see history.jsonl (f \"probe-answers\")"], data,
      };
    }
    const missing = PURPOSES.filter((p) => !judged.some((j) => j.op.value.purpose === p)).map((p) => WORDS[p]);
    if (missing.length > 0) return { id: ID, status: "unknown", message: `no old node was probed after a ${missing.join(" or a ")} after \`up\``, evidence, data };
    return { id: ID, status: "pass", message: `old nodes answered like the baseline after \`up\`: ${judged.map((j) => `${describe(j, ctx.timeline)} ${j.op.value.answers.length}/${j.op.value.answers.length}`).join("; ")}`, evidence, data };
  },
};
