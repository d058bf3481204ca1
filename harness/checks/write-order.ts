// When a node showed an Admin write: its own first matching observation, or that of a later write
// of the same entity, whichever came first. Writes of one entity are ordered as Jepsen's checkers
// order them: B comes after A when B was invoked after A completed. Kong nodes read entities from the
// one datastore, where B was made after A, so a node that shows B's state has applied A; under real
// Kong's timing a node often shows the later state before the verifier ever catches the earlier one
// (route w8 updated 1 s after its create: green-2 showed the update, then the delete, never `/w8/`).
//
// A write that leaves the entity present vouches for earlier ones. A delete shows absence, which a
// node also shows before the create, so its sighting vouches only on a node that had already shown
// the entity present: that node went from present to absent, so it applied the delete and, in the
// entity's order, everything before it (route w5 updated, then deleted: green-2 showed the create,
// then the delete, never the update). Only an ok write is vouched for: a write that failed or whose
// outcome is unknown may never have happened.
import { pairOps, type OpPair } from "./history.ts";
import { F, WRITE_REFUSED, type AdminWriteValue, type ObservationValue, type Op } from "./records.ts";

/** writeId -> node -> time of the first matching observation's completion. */
export function firstSightings(history: readonly Op[]): Map<string, Map<string, number>> {
  const seen = new Map<string, Map<string, number>>();
  for (const p of pairOps<ObservationValue>(history, F.observe)) {
    const c = p.completion;
    if (c?.type !== "ok" || !c.value.matches) continue;
    const node = c.node ?? p.invoke.node ?? `(${c.value.cluster})`;
    const byNode = seen.get(c.value.writeId) ?? new Map<string, number>();
    if (!byNode.has(node)) byNode.set(node, c.timeMs);
    seen.set(c.value.writeId, byNode);
  }
  return seen;
}

export interface Sighting {
  readonly timeMs: number;
  /** The later write of the same entity whose sighting stands for this write's (absent: seen itself). */
  readonly through?: string;
}

/** B comes after A: B was invoked after A completed (history order breaks ties of the same millisecond). */
const after = (b: OpPair<AdminWriteValue>, a: OpPair<AdminWriteValue>): boolean =>
  a.completion !== undefined && b.invoke.index > a.completion.index;

/** A later write whose sighting shows the entity present (create, update) and that took effect (ok, or unknown and seen). */
const vouches = (p: OpPair<AdminWriteValue>): boolean =>
  p.invoke.value.action !== "delete" && (p.completion?.type === "ok" || p.completion?.type === "info") && !p.invoke.value.expectRejected;

/** A delete that took effect (ok, or unknown and seen). */
const deleteTookEffect = (p: OpPair<AdminWriteValue>): boolean =>
  p.invoke.value.action === "delete" && (p.completion?.type === "ok" || p.completion?.type === "info") && !p.invoke.value.expectRejected;

/** The node showed the entity present (a create or update of it that took effect) before time `t`. */
function shownPresentBefore(node: string, t: number, entityWrites: readonly OpPair<AdminWriteValue>[], own: Map<string, Map<string, number>>): boolean {
  return entityWrites.some((w) => vouches(w) && (own.get(w.invoke.value.writeId)?.get(node) ?? Infinity) < t);
}

/**
 * writeId -> node -> when the node first showed the write or a later write of the same entity.
 * Writes that were not ok keep only their own sightings.
 */
export function effectiveSightings(history: readonly Op[]): Map<string, Map<string, Sighting>> {
  const own = firstSightings(history);
  const writes = pairOps<AdminWriteValue>(history, F.adminWrite).filter((p) => p.completion?.error !== WRITE_REFUSED);
  const byEntity = new Map<string, OpPair<AdminWriteValue>[]>();
  for (const p of writes) byEntity.set(p.invoke.value.entity, [...(byEntity.get(p.invoke.value.entity) ?? []), p]);
  const out = new Map<string, Map<string, Sighting>>();
  for (const p of writes) {
    const id = p.invoke.value.writeId;
    const best = new Map<string, Sighting>([...(own.get(id) ?? new Map<string, number>())].map(([node, t]) => [node, { timeMs: t }]));
    if (p.completion?.type === "ok" && !p.invoke.value.expectRejected) {
      for (const later of byEntity.get(p.invoke.value.entity) ?? []) {
        if (!after(later, p)) continue;
        const presentVouches = vouches(later);
        if (!presentVouches && !deleteTookEffect(later)) continue;
        for (const [node, t] of own.get(later.invoke.value.writeId) ?? []) {
          if (!presentVouches && !shownPresentBefore(node, t, byEntity.get(p.invoke.value.entity) ?? [], own)) continue;
          const current = best.get(node);
          if (current === undefined || t < current.timeMs) best.set(node, { timeMs: t, through: later.invoke.value.writeId });
        }
      }
    }
    if (best.size > 0) out.set(id, best);
  }
  return out;
}
