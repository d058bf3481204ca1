// After `kong migrations finish` an old node must refuse to start (non-zero exit). Kong documents
// the rule but its code does not enforce it (kong-reference §0.3), so a node that starts is a
// finding: FAIL, naming both versions and what the node did. Never weakened.
import type { Check, CheckResult } from "./check.ts";
import { pairOps } from "./history.ts";
import { F, type MigrationCommandValue, type OldNodeStartValue } from "./records.ts";

const ID = "old-node-refuses-after-finish";
const LOG_LINES = 40;

const errorLine = (logs: string): string => {
  const lines = logs.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? "(no output)";
};

function served(v: OldNodeStartValue): string {
  if (v.baseline && v.baseline.total > 0) {
    const { correct, total } = v.baseline;
    if (correct === total) return `served ${correct}/${total} baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3`;
    return `served ${total - correct}/${total} baseline requests incorrectly (${correct} correct): an old node after finish serves wrong answers`;
  }
  if (v.servesCorrectly === true) return "served the baseline correctly: Kong does not enforce the documented rule; see kong-reference §0.3";
  if (v.servesCorrectly === false) return "served wrong answers to the baseline requests: an old node after finish serves wrong answers";
  return "was not checked for correct answers";
}

export const oldNodeRefusesAfterFinish: Check = {
  id: ID,
  description: "an old node started after `kong migrations finish` refuses to start",
  async check(ctx): Promise<CheckResult> {
    const pair = pairOps<OldNodeStartValue>(ctx.history, F.oldNodeStart).at(-1);
    if (!pair) return { id: ID, status: "unknown", message: "no old-node-start op in history.jsonl: the old node was not started after finish", evidence: [] };
    const c = pair.completion;
    if (!c || c.type !== "ok") return { id: ID, status: "unknown", message: `starting the old node did not give an answer (${c ? `${c.type}: ${c.error ?? "no error"}` : "never completed"})`, evidence: [] };
    const v = c.value;
    const finish = pairOps<MigrationCommandValue>(ctx.history, F.migrationsFinish).map((p) => p.completion).find((x) => x?.type === "ok");
    const finisher = finish?.value?.image ?? ctx.expectations.newImage ?? "the new version";
    const logs = v.logs.split("\n").slice(-LOG_LINES);
    const evidence = [`${v.image} (version ${v.version}): started ${v.started}, exit ${v.exitCode ?? "none (still running)"}`, "last log lines:", ...logs];
    const data = { ...v, finishedBy: finisher };
    const subject = `${v.image} against a database finished by ${finisher}`;
    if (v.started) {
      return { id: ID, status: "fail", message: `${v.image} started against a database finished by ${finisher} and ${served(v)}`, evidence, data };
    }
    if (v.exitCode === null || v.exitCode === 0) {
      return { id: ID, status: "fail", message: `${subject}: the node neither started nor refused (exit ${v.exitCode ?? "none"}), which is not a refusal: ${errorLine(v.logs)}`, evidence, data };
    }
    return { id: ID, status: "pass", message: `${v.image} refused to start against a database finished by ${finisher} (exit ${v.exitCode}): ${errorLine(v.logs)}`, evidence, data };
  },
};
