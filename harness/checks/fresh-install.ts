// A fresh install (the seed: "Installing 2.6.x on a fresh datastore"): `kong migrations bootstrap`
// runs on a datastore that needs it, exits 0, and only then do nodes start. A node started without
// a completed bootstrap fails this check, whether it came up (it must not) or refused.
import type { Check, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { F, type MigrationCommandValue, type NodeStartValue } from "./records.ts";
import { ms, n } from "./stats.ts";

const ID = "fresh-install";

const lastLine = (text: string): string => {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? "(no output)";
};

function describeStart(p: OpPair<NodeStartValue>): string {
  const v = p.completion?.value;
  if (!v) return `${p.invoke.value.node} (start never completed)`;
  return v.started ? `${v.node} started and served` : `${v.node} refused to start (exit ${v.exitCode ?? "none"}): ${lastLine(v.logs ?? "")}`;
}

export const freshInstall: Check = {
  id: ID,
  description: "`kong migrations bootstrap` ran on a fresh datastore and exited 0 before any node started",
  async check(ctx): Promise<CheckResult> {
    const boots = pairOps<MigrationCommandValue>(ctx.history, F.migrationsBootstrap);
    const boot = boots.find((p) => p.completion?.type === "ok" && p.completion.value.exitCode === 0);
    const bootMs = boot?.completion?.timeMs;
    const starts = pairOps<NodeStartValue>(ctx.history, F.nodeStart);
    const lists = pairOps<MigrationCommandValue>(ctx.history, F.migrationsList).filter((p) => p.completion?.type === "ok");
    const before = lists.find((p) => bootMs === undefined || p.invoke.timeMs < (boot?.invoke.timeMs ?? Infinity));
    const bootText = boot ? `bootstrap completed at ${ms(bootMs!)} (exit 0)` : boots.length ? `bootstrap exited ${boots.map((p) => p.completion?.value?.exitCode ?? "unknown").join(", ")}` : "no `kong migrations bootstrap` ran";
    const evidence = [
      `${bootText}; \`kong migrations list\` before it exited ${before?.completion?.value.exitCode ?? "(not run)"}; ${n(starts.length)} node starts`,
      ...starts.map((p) => `${describeStart(p)} (start invoked at ${ms(p.invoke.timeMs)})`),
    ];
    const early = starts.filter((p) => bootMs === undefined || p.invoke.timeMs < bootMs);
    const data = { bootstrapMs: bootMs ?? null, listBeforeExitCode: before?.completion?.value.exitCode ?? null, starts: starts.map((p) => p.completion?.value ?? p.invoke.value), early: early.map((p) => p.invoke.value.node) };
    if (early.length > 0) {
      const why = boot ? `before bootstrap completed at ${ms(bootMs!)}` : boots.length ? `while bootstrap had not succeeded (${bootText})` : "without `kong migrations bootstrap`";
      return { id: ID, status: "fail", message: `${n(early.length)} ${early.length === 1 ? "node was" : "nodes were"} started ${why}: ${early.map(describeStart).join("; ")}`, evidence: [...evidence, "see history.jsonl (f \"node-start\", \"migrations-bootstrap\")"], data };
    }
    if (!boot) return { id: ID, status: boots.length ? "fail" : "unknown", message: boots.length ? `\`kong migrations bootstrap\` did not succeed: ${bootText}` : "no `kong migrations bootstrap` and no node start in history.jsonl", evidence, data };
    if (before && before.completion!.value.exitCode !== 3) {
      return { id: ID, status: "fail", message: `not a fresh datastore: \`kong migrations list\` before bootstrap exited ${before.completion!.value.exitCode} (3 = needs bootstrap)`, evidence, data };
    }
    if (starts.length === 0) return { id: ID, status: "unknown", message: `${bootText}, but no node start was recorded`, evidence, data };
    const refused = starts.filter((p) => p.completion?.value.started !== true);
    if (refused.length > 0) return { id: ID, status: "fail", message: `${n(refused.length)} nodes did not start after bootstrap: ${refused.map(describeStart).join("; ")}`, evidence, data };
    return { id: ID, status: "pass", message: `${bootText} on a fresh datastore${before ? " (list exited 3 before it)" : ""}; ${n(starts.length)} nodes started after it (${starts.map((p) => p.invoke.value.node).join(", ")})`, evidence, data };
  },
};
