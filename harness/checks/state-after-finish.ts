// After `kong migrations finish`: every seeded entity and every entity written (ok) before finish
// is served correctly by every new node (latest op "verify-entity" after finish per entity and
// node), and Admin writes made on the new cluster after finish reach all its nodes ("observe").
import { firstSightings } from "./admin-writes-propagated.ts";
import type { Check, CheckResult } from "./check.ts";
import { pairOps } from "./history.ts";
import { F, type AdminWriteValue, type EntityCheckValue, type Op, type SeedValue } from "./records.ts";
import { n } from "./stats.ts";
import { firstOkTime } from "./timeline.ts";

const ID = "state-after-finish";

function latestVerifications(history: readonly Op[], afterMs: number): Map<string, Op<EntityCheckValue>> {
  const latest = new Map<string, Op<EntityCheckValue>>();
  for (const op of history) {
    if (op.f !== F.verifyEntity || op.type !== "ok" || op.timeMs < afterMs || !op.node) continue;
    const v = op as Op<EntityCheckValue>;
    latest.set(`${v.value.entity}@${op.node}`, v);
  }
  return latest;
}

export const stateAfterFinish: Check = {
  id: ID,
  description: "after finish the new cluster serves every seeded entity and every write, and its Admin writes propagate",
  async check(ctx): Promise<CheckResult> {
    const finishedMs = firstOkTime(ctx.history, F.migrationsFinish);
    if (finishedMs === undefined) return { id: ID, status: "unknown", message: "migrations finish never completed: nothing to check after it", evidence: [] };
    const green = ctx.expectations.nodes.green;
    const seeded = ctx.history.filter((op) => op.f === F.seed && op.type === "ok").flatMap((op) => (op.value as SeedValue).entities);
    // Invalid writes Kong must refuse are judged by invalid-writes-refused, not here.
    const writes = pairOps<AdminWriteValue>(ctx.history, F.adminWrite).filter((p) => p.completion?.type === "ok" && !p.invoke.value.expectRejected);
    const written = writes.filter((p) => p.invoke.timeMs < finishedMs).map((p) => p.invoke.value.entity);
    const entities = [...new Set([...seeded, ...written])].sort();
    const latest = latestVerifications(ctx.history, finishedMs);
    const wrong: string[] = [];
    const unverified: string[] = [];
    for (const entity of entities) {
      for (const node of green) {
        const v = latest.get(`${entity}@${node}`);
        if (!v) unverified.push(`${entity} on ${node}`);
        else if (!v.value.matches) wrong.push(`${entity} on ${node} (seen: ${v.value.seen})`);
      }
    }
    const sightings = firstSightings(ctx.history);
    const after = writes.filter((p) => p.invoke.timeMs >= finishedMs && p.invoke.value.cluster === "green");
    const unpropagated = after.flatMap((p) => {
      const seen = sightings.get(p.invoke.value.writeId);
      const mustShowOn = p.invoke.value.expectOn ?? green;
      const missing = green.filter((node) => mustShowOn.includes(node) && !seen?.has(node));
      return missing.length ? [`write ${p.invoke.value.writeId} (${p.invoke.value.action} ${p.invoke.value.entity} via ${p.invoke.node ?? "green"}) never seen on ${missing.join(", ")}`] : [];
    });
    const evidence = [
      `${n(seeded.length)} seeded and ${n(written.length)} written entities (${n(entities.length)} distinct) checked on ${green.join(", ")}; ${n(after.length)} Admin writes on the new cluster after finish`,
      ...wrong.map((w) => `wrong: ${w}`), ...unpropagated, ...unverified.map((u) => `not verified: ${u}`),
    ];
    const data = { entities: entities.length, wrong, unverified, writesAfterFinish: after.length, unpropagated };
    if (wrong.length > 0 || unpropagated.length > 0) {
      const parts = [
        ...(wrong.length ? [`${n(wrong.length)} entity checks wrong on the new cluster: ${wrong.slice(0, 5).join(", ")}${wrong.length > 5 ? ", ..." : ""}`] : []),
        ...unpropagated.slice(0, 5),
      ];
      return { id: ID, status: "fail", message: `after finish: ${parts.join("; ")}`, evidence: [...evidence, "see history.jsonl (f \"verify-entity\", \"observe\")"], data };
    }
    if (entities.length === 0) return { id: ID, status: "unknown", message: "no seeded or written entities in history.jsonl", evidence, data };
    if (unverified.length > 0) return { id: ID, status: "unknown", message: `${n(unverified.length)} entity/node pairs were not verified after finish (first: ${unverified[0]})`, evidence, data };
    if (after.length === 0) return { id: ID, status: "unknown", message: `all ${n(entities.length)} entities served on every new node, but no Admin write was made on the new cluster after finish`, evidence, data };
    return { id: ID, status: "pass", message: `all ${n(entities.length)} entities served correctly on ${green.length} new nodes; ${n(after.length)} Admin writes after finish reached every new node`, evidence, data };
  },
};
