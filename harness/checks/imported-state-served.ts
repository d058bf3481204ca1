// After `kong config db_import` on the new keyspace and the cut-over, the new cluster serves every
// exported entity with the same answers as the old cluster gave: the seeded configuration (baseline
// probes) and every Admin write the old cluster accepted before the export (latest verify-entity
// op per entity and new node, recorded after the import).
import type { Check, CheckResult } from "./check.ts";
import { pairOps } from "./history.ts";
import { latestOnNew } from "./keyspace-drift.ts";
import { F, type AdminWriteValue, type MigrationCommandValue, type SeedValue } from "./records.ts";
import { n } from "./stats.ts";

const ID = "imported-state-served";

export const importedStateServed: Check = {
  id: ID,
  description: "after `kong config db_import` the new cluster serves every exported entity as the old one did",
  async check(ctx): Promise<CheckResult> {
    const imp = pairOps<MigrationCommandValue>(ctx.history, F.configImport).find((p) => p.completion?.type === "ok");
    const exp = pairOps(ctx.history, F.configExport).find((p) => p.completion?.type === "ok");
    if (!imp || !exp) return { id: ID, status: "unknown", message: `\`kong config ${exp ? "db_import" : "db_export"}\` never completed: nothing was carried to the new keyspace`, evidence: [] };
    const code = imp.completion!.value.exitCode;
    if (code !== 0) return { id: ID, status: "fail", message: `\`kong config db_import\` with ${imp.completion!.value.image} exited ${code ?? "without a code"}: ${(imp.completion!.value.stderr || imp.completion!.value.stdout).trim().split("\n").at(-1) ?? ""}`, evidence: [imp.completion!.value.stderr] };
    const seeded = ctx.history.filter((op) => op.f === F.seed && op.type === "ok").flatMap((op) => (op.value as SeedValue).entities);
    const written = pairOps<AdminWriteValue>(ctx.history, F.adminWrite)
      .filter((p) => p.completion?.type === "ok" && p.invoke.value.cluster === "blue" && p.invoke.timeMs < exp.invoke.timeMs && p.invoke.value.expectRejected === undefined)
      .map((p) => p.invoke.value.entity);
    const entities = [...new Set([...seeded, ...written])].sort();
    const latest = latestOnNew(ctx.history, imp.completion!.timeMs);
    const wrong: string[] = [];
    const unverified: string[] = [];
    for (const entity of entities) {
      for (const node of ctx.expectations.nodes.green) {
        const v = latest.get(entity)?.get(node);
        if (!v) unverified.push(`${entity} on ${node}`);
        else if (!v.value.matches) wrong.push(`${entity} on ${node} during ${ctx.timeline.labelOp(v)} (seen: ${v.value.seen})`);
      }
    }
    const evidence = [`${n(seeded.length)} seeded and ${n(written.length)} written-before-export entities (${n(entities.length)} distinct) checked on ${ctx.expectations.nodes.green.join(", ")}`, ...wrong.map((w) => `wrong: ${w}`), ...unverified.map((u) => `not verified: ${u}`)];
    const data = { entities: entities.length, wrong, unverified };
    if (wrong.length > 0) return { id: ID, status: "fail", message: `${n(wrong.length)} exported entity checks answer differently on the new keyspace: ${wrong.slice(0, 5).join(", ")}${wrong.length > 5 ? ", ..." : ""}`, evidence: [...evidence, "see history.jsonl (f \"verify-entity\")"], data };
    if (entities.length === 0) return { id: ID, status: "unknown", message: "no seeded or written entities in history.jsonl", evidence, data };
    if (unverified.length > 0) return { id: ID, status: "unknown", message: `${n(unverified.length)} entity/node pairs were not verified after the import (first: ${unverified[0]})`, evidence, data };
    return { id: ID, status: "pass", message: `all ${n(entities.length)} exported entities answer on ${ctx.expectations.nodes.green.length} new nodes as on the old cluster`, evidence, data };
  },
};
