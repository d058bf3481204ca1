// Credentials created before `up` (the seed's key-auth keys, one of them on a consumer with only a
// custom_id) keep working after `up` and after finish, on every node that serves them. The key-auth
// probes run in the load from start to end and in every direct probe of a node, so the check
// states per phase how many of their answers were 200; any 401 or 403 fails it (other errors are
// zero-failed-requests' business). It needs answers 200 after `up` and after finish for EACH
// credential probe to pass: one credential answering says nothing of the others. A 429 counts as
// an answer 200 does: Kong runs rate-limiting (PRIORITY 901) after every authentication plugin
// (1000 and up), so a request it limits was authenticated (a user's rate-limited route).
import type { Check, CheckContext, CheckResult } from "./check.ts";
import { probeObservations } from "./probe-answers.ts";
import { F, type MigrationCommandValue, type Op } from "./records.ts";
import { bump, byCount, n } from "./stats.ts";

const ID = "credentials-survive-upgrade";
const REFUSED: readonly number[] = [401, 403];
const MESSAGE_GROUPS = 5;

interface PhaseTally { answered: number; ok: number; refused: number }

/** When the last successful run of a migration command completed (exit 0). */
function doneAt(history: readonly Op[], f: string): number | undefined {
  const done = history.filter((op) => op.f === f && op.type === "ok" && (op.value as Partial<MigrationCommandValue> | undefined)?.exitCode === 0);
  return done.at(-1)?.timeMs;
}

interface Tally {
  phases: Map<string, PhaseTally>; refusals: Record<string, number>; afterUp: number; afterFinish: number;
  /** Answers 200 per credential probe after `up` and after finish completed. */
  upByProbe: Record<string, number>; finishByProbe: Record<string, number>;
}

async function tally(ctx: CheckContext, creds: ReadonlySet<string>, upMs: number, finishMs: number | undefined): Promise<Tally> {
  const t: Tally = { phases: new Map(), refusals: {}, afterUp: 0, afterFinish: 0, upByProbe: {}, finishByProbe: {} };
  const count = (probe: string, phase: string, status: number, atMs: number, what: () => string): void => {
    const p = t.phases.get(phase) ?? { answered: 0, ok: 0, refused: 0 };
    t.phases.set(phase, p);
    p.answered += 1;
    if (status === 200 || status === 429) {
      p.ok += 1;
      if (atMs >= upMs) { t.afterUp += 1; bump(t.upByProbe, probe); }
      if (finishMs !== undefined && atMs >= finishMs) { t.afterFinish += 1; bump(t.finishByProbe, probe); }
    } else if (REFUSED.includes(status)) {
      p.refused += 1;
      bump(t.refusals, what());
    }
  };
  for await (const r of ctx.requests()) {
    if (!creds.has(r.probe) || r.status === null || r.node === null) continue;
    const pos = ctx.timeline.at(r.startMs);
    count(r.probe, pos.phase ?? "(before the first phase)", r.status, r.startMs, () => `${r.probe} got ${r.status} on ${r.node} during ${ctx.timeline.label(r.startMs)}`);
  }
  for (const o of probeObservations(ctx.history)) {
    if (!creds.has(o.probe) || o.status === null) continue;
    count(o.probe, ctx.timeline.atOp(o.op).phase ?? "(before the first phase)", o.status, o.op.timeMs, () => `${o.probe} got ${o.status} on ${o.node} during ${ctx.timeline.labelOp(o.op)} [probe: ${o.source}]`);
  }
  return t;
}

/** " (only key-ok answered 200: 5)", or "" when none did. */
const tried = (byProbe: Readonly<Record<string, number>>): string => {
  const answered = byCount(byProbe);
  return answered.length ? ` (only ${answered.map(([p, c]) => `${p} answered 200: ${n(c)}`).join(", ")})` : "";
};

const perPhase = (t: Tally): string => [...t.phases].map(([phase, p]) => `${phase} ${n(p.ok)}/${n(p.answered)}${p.refused ? ` (${n(p.refused)} refused)` : ""}`).join(", ");

export const credentialsSurviveUpgrade: Check = {
  id: ID,
  description: "credentials created before `up` answer 200 in every phase: after `up`, during coexistence and after finish",
  async check(ctx): Promise<CheckResult> {
    const creds = new Set(ctx.expectations.credentialProbes ?? []);
    if (creds.size === 0) return { id: ID, status: "unknown", message: "no credential probes in expectations.json: nothing to check", evidence: [] };
    const upMs = doneAt(ctx.history, F.migrationsUp);
    const finishMs = doneAt(ctx.history, F.migrationsFinish);
    const t = await tally(ctx, creds, upMs ?? Infinity, finishMs);
    const names = [...creds].join(", ");
    const evidence = [`credential probes: ${names}`, `answers 200 of all answers, per phase: ${perPhase(t) || "none"}`,
      `answers 200 after \`up\` completed: ${upMs === undefined ? "(no successful `up`)" : n(t.afterUp)}; after finish completed: ${finishMs === undefined ? "(no successful finish)" : n(t.afterFinish)}`,
      `per credential, answers 200 after \`up\` / after finish: ${[...creds].map((p) => `${p} ${n(t.upByProbe[p] ?? 0)}/${n(t.finishByProbe[p] ?? 0)}`).join(", ")}`];
    const data = { probes: [...creds], phases: Object.fromEntries(t.phases), afterUp: t.afterUp, afterFinish: t.afterFinish, afterUpByProbe: t.upByProbe, afterFinishByProbe: t.finishByProbe, refusals: t.refusals };
    const refusals = byCount(t.refusals);
    if (refusals.length > 0) {
      const total = refusals.reduce((a, [, c]) => a + c, 0);
      const shown = refusals.slice(0, MESSAGE_GROUPS).map(([g, c]) => `${g}${c > 1 ? ` ${n(c)} times` : ""}`);
      const more = refusals.length > MESSAGE_GROUPS ? `; and ${n(refusals.length - MESSAGE_GROUPS)} more groups` : "";
      return {
        id: ID, status: "fail",
        message: `credentials created before \`up\` were refused ${n(total)} times: ${shown.join("; ")}${more}; per phase (200/answers): ${perPhase(t)}`,
        evidence: [...evidence, ...refusals.map(([g, c]) => `${n(c)} x ${g}`), "see requests.jsonl and history.jsonl"], data,
      };
    }
    if (upMs === undefined) return { id: ID, status: "unknown", message: "no successful `kong migrations up` in history.jsonl: credentials were never tried after it", evidence, data };
    const untriedAfterUp = [...creds].filter((p) => !t.upByProbe[p]);
    if (untriedAfterUp.length > 0) return { id: ID, status: "unknown", message: `no answer 200 for ${untriedAfterUp.join(", ")} after \`up\` completed${tried(t.upByProbe)}: ${untriedAfterUp.length === 1 ? "that credential was" : "those credentials were"} never shown working after it`, evidence, data };
    if (finishMs === undefined) return { id: ID, status: "unknown", message: "no successful `kong migrations finish`: credentials were never tried after finish", evidence, data };
    const untriedAfterFinish = [...creds].filter((p) => !t.finishByProbe[p]);
    if (untriedAfterFinish.length > 0) return { id: ID, status: "unknown", message: `no answer 200 for ${untriedAfterFinish.join(", ")} after finish completed${tried(t.finishByProbe)}: ${untriedAfterFinish.length === 1 ? "that credential was" : "those credentials were"} never shown working after finish`, evidence, data };
    return {
      id: ID, status: "pass",
      message: `credentials created before \`up\` (${names}) worked in every phase, ${n(t.afterUp)} answers 200 after \`up\` and ${n(t.afterFinish)} after finish; per phase (200/answers): ${perPhase(t)}`,
      evidence, data,
    };
  },
};
