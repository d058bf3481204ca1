// Migration commands (ops "migrations-*", completion value {exitCode, stdout, stderr, image})
// against the scenario's expectations for the version pair. Any `[error]` line fails, whatever
// the exit code: Kong's CLI logger prints `<date> [error] ...` for an error it logs and carries on
// from (kong/cmd/utils/log.lua), e.g. the Cassandra connector's "DNS resolution failed for contact
// point" for one of several contact points, after which the command runs on the others and exits 0.
// Commands no expectation covers must still exit 0 (list: 0, 3, 4 or 5).
import type { Check, CheckResult, MigrationExpectation } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { F, type MigrationCommandValue } from "./records.ts";
import type { Timeline } from "./timeline.ts";

const ID = "migrations-output";
const FS: readonly string[] = [F.migrationsBootstrap, F.migrationsUp, F.migrationsFinish, F.migrationsList];
const LIST_STATES = [0, 3, 4, 5];

export interface MigrationCommand {
  readonly f: string;
  readonly image: string;
  readonly phase: string;
  readonly invokedMs: number;
  readonly durationMs: number | null;
  readonly outcome: "ok" | "fail" | "info" | "open";
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly problems: readonly string[];
}

const lines = (c: { stdout: string; stderr: string }): string[] => `${c.stdout}\n${c.stderr}`.split("\n");

function command(p: OpPair<Partial<MigrationCommandValue>>, timeline: Timeline): Omit<MigrationCommand, "problems"> {
  const v = { ...p.invoke.value, ...(p.completion?.value ?? {}) };
  return {
    f: p.invoke.f, image: v.image ?? "(unknown image)", phase: timeline.atOp(p.invoke).phase ?? "(before the first phase)",
    invokedMs: p.invoke.timeMs, durationMs: p.completion ? p.completion.timeMs - p.invoke.timeMs : null,
    outcome: p.completion?.type === "ok" || p.completion?.type === "fail" || p.completion?.type === "info" ? p.completion.type : "open",
    exitCode: typeof v.exitCode === "number" ? v.exitCode : null, stdout: v.stdout ?? "", stderr: v.stderr ?? "",
  };
}

const matches = (x: MigrationExpectation, c: Omit<MigrationCommand, "problems">): boolean =>
  x.f === c.f && (x.phase === undefined || x.phase === c.phase) && (x.image === undefined || x.image === c.image);

function judge(c: Omit<MigrationCommand, "problems">, expectations: readonly MigrationExpectation[]): string[] {
  const name = `${c.f} (${c.image}, during ${c.phase})`;
  if (c.exitCode === null) return [`${name} did not complete${c.outcome === "info" || c.outcome === "open" ? " (outcome unknown)" : ""}`];
  const problems: string[] = [];
  const out = lines(c);
  for (const line of out.filter((l) => l.includes("[error]"))) problems.push(`${name} printed an [error] line (exit ${c.exitCode}): ${line.trim()}`);
  const applicable = expectations.filter((x) => matches(x, c));
  if (applicable.length === 0) {
    const okCodes = c.f === F.migrationsList ? LIST_STATES : [0];
    if (!okCodes.includes(c.exitCode)) problems.push(`${name} exited ${c.exitCode}, expected ${okCodes.join(" or ")}${firstErrorLine(c)}`);
  }
  for (const x of applicable) {
    if (!x.exitCodes.includes(c.exitCode)) problems.push(`${name} exited ${c.exitCode}, expected ${x.exitCodes.join(" or ")}${firstErrorLine(c)}`);
    for (const req of x.required ?? []) if (!out.some((l) => l.includes(req))) problems.push(`${name} did not print "${req}"`);
    for (const bad of x.forbidden ?? []) {
      const hit = out.find((l) => l.includes(bad));
      if (hit !== undefined) problems.push(`${name} printed forbidden "${bad}": ${hit.trim()}`);
    }
  }
  return problems;
}

function firstErrorLine(c: { stdout: string; stderr: string }): string {
  const line = lines(c).find((l) => /error/i.test(l));
  return line ? `: ${line.trim()}` : "";
}

export const migrationsOutput: Check = {
  id: ID,
  description: "migration commands exit and print as expected for the version pair; no [error] line",
  async check(ctx): Promise<CheckResult> {
    const pairs = pairOps<Partial<MigrationCommandValue>>(ctx.history).filter((p) => FS.includes(p.invoke.f));
    const expectations = ctx.expectations.migrations ?? [];
    const commands: MigrationCommand[] = pairs.map((p) => {
      const c = command(p, ctx.timeline);
      return { ...c, problems: judge(c, expectations) };
    });
    const problems = commands.flatMap((c) => c.problems);
    const missing = expectations.filter((x) => !commands.some((c) => matches(x, c)))
      .map((x) => `${x.f}${x.phase ? ` during ${x.phase}` : ""}${x.image ? ` with ${x.image}` : ""}`);
    const evidence = commands.map((c) => `${c.f} (${c.image}, during ${c.phase}): exit ${c.exitCode ?? "none"}${c.problems.length ? " FAIL" : " ok"}`);
    const data = { commands, missing };
    if (problems.length > 0) {
      const outputs = commands.filter((c) => c.problems.length).map((c) => `${c.f} output:\n${c.stdout}${c.stderr ? `\n[stderr]\n${c.stderr}` : ""}`);
      return { id: ID, status: "fail", message: problems.join("; "), evidence: [...evidence, ...outputs, "see history.jsonl (f \"migrations-*\")"], data };
    }
    if (commands.length === 0) return { id: ID, status: "unknown", message: "no migration commands in history.jsonl", evidence, data };
    if (missing.length > 0) return { id: ID, status: "unknown", message: `expected migration commands never ran: ${missing.join(", ")}`, evidence, data };
    return { id: ID, status: "pass", message: `${commands.length} migration commands exited and printed as expected`, evidence, data };
  },
};
