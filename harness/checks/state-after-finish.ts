// After `kong migrations finish`: every seeded entity and every entity written (ok) before finish
// is served correctly by every new node (latest op "verify-entity" after finish per entity and
// node), and Admin writes made on the new cluster after finish reach all its nodes ("observe"; a
// node that showed a later write of the same entity has applied the earlier one, write-order.ts).
// An entity whose last write before finish has an outcome no client can know (no answer, or a 5xx:
// the change may have been stored before the error, as when a node loses its datastore between
// the write and its invalidation event) may show either state; a mismatch there is reported, not failed.
import type { Check, CheckResult } from "./check.ts";
import { pairOps, type OpPair } from "./history.ts";
import { F, WRITE_NOT_SENT, WRITE_REFUSED, type AdminWriteValue, type EntityCheckValue, type Op, type SeedValue } from "./records.ts";
import { n } from "./stats.ts";
import { firstOkTime } from "./timeline.ts";
import { effectiveSightings } from "./write-order.ts";

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

/** No answer, or a server error: the write may or may not have been stored. */
const indeterminate = (p: OpPair<AdminWriteValue>): boolean =>
  p.completion === undefined || p.completion.type === "info" || (p.completion.type === "fail" && /^status 5\d\d\b/.test(p.completion.error ?? ""));

/** entity -> its last write before finish, when that write's outcome is unknown ("delete via blue-2 answered status 500 …"). */
function undecidedEntities(history: readonly Op[], finishedMs: number): Map<string, string> {
  const last = new Map<string, OpPair<AdminWriteValue>>();
  for (const p of pairOps<AdminWriteValue>(history, F.adminWrite)) {
    const error = p.completion?.error ?? "";
    if (p.invoke.timeMs >= finishedMs || p.invoke.value.expectRejected || error === WRITE_REFUSED || error.startsWith(WRITE_NOT_SENT)) continue;
    last.set(p.invoke.value.entity, p);
  }
  const out = new Map<string, string>();
  for (const [entity, p] of last) {
    if (indeterminate(p)) out.set(entity, `${p.invoke.value.action} via ${p.invoke.node ?? p.invoke.value.cluster} ${p.completion ? `answered "${(p.completion.error ?? p.completion.type).slice(0, 80)}"` : "never answered"}`);
  }
  return out;
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
    const undecided = undecidedEntities(ctx.history, finishedMs);
    const wrong: string[] = [];
    const allowed: string[] = [];
    const unverified: string[] = [];
    for (const entity of entities) {
      for (const node of green) {
        const v = latest.get(`${entity}@${node}`);
        if (!v) unverified.push(`${entity} on ${node}`);
        else if (!v.value.matches && undecided.has(entity)) allowed.push(`${entity} on ${node} (seen: ${v.value.seen}; its last write, ${undecided.get(entity)}, may have been stored)`);
        else if (!v.value.matches) wrong.push(`${entity} on ${node} (seen: ${v.value.seen})`);
      }
    }
    const sightings = effectiveSightings(ctx.history);
    const after = writes.filter((p) => p.invoke.timeMs >= finishedMs && p.invoke.value.cluster === "green");
    const through = after.flatMap((p) => [...(sightings.get(p.invoke.value.writeId) ?? [])].filter(([, s]) => s.through).map(([node, s]) => `${p.invoke.value.writeId} on ${node} (through ${s.through})`));
    const unpropagated = after.flatMap((p) => {
      const seen = sightings.get(p.invoke.value.writeId);
      const mustShowOn = p.invoke.value.expectOn ?? green;
      const missing = green.filter((node) => mustShowOn.includes(node) && !seen?.has(node));
      return missing.length ? [`write ${p.invoke.value.writeId} (${p.invoke.value.action} ${p.invoke.value.entity} via ${p.invoke.node ?? "green"}) never seen on ${missing.join(", ")}`] : [];
    });
    const evidence = [
      `${n(seeded.length)} seeded and ${n(written.length)} written entities (${n(entities.length)} distinct) checked on ${green.join(", ")}; ${n(after.length)} Admin writes on the new cluster after finish`,
      ...wrong.map((w) => `wrong: ${w}`), ...unpropagated, ...unverified.map((u) => `not verified: ${u}`),
      ...allowed.map((a) => `not judged: ${a}`),
      ...(through.length ? [`${n(through.length)} (write, node) pairs after finish first seen as a later write of the same entity: ${through.slice(0, 10).join(", ")}${through.length > 10 ? ", ..." : ""}`] : []),
    ];
    const data = { entities: entities.length, wrong, unverified, writesAfterFinish: after.length, unpropagated, notJudged: allowed };
    const notJudged = allowed.length ? ` (${n(allowed.length)} entity/node pairs not judged: the entity's last write had an unknown outcome)` : "";
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
    return { id: ID, status: "pass", message: `all ${n(entities.length)} entities served correctly on ${green.length} new nodes; ${n(after.length)} Admin writes after finish reached every new node${notJudged}`, evidence, data };
  },
};
