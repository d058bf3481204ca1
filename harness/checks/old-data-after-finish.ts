// Old-shaped data (consumers with only a custom_id, plugins created without the fields later
// versions add) must mean the same after finish. The scenario reads every seeded entity through
// the old cluster's Admin API before `up` (entity-state "before-up"), and after finish reads each
// one on a new node and PATCHes it with the body it got back (entity-after-finish). Each must give
// GET 200, the same effective configuration, and PATCH 200. That the seed's requests give the same
// answers after finish is state-after-finish's verdict (verify-entity "probe/…"); this check shows
// those answers in its evidence and does not count them twice.
//
// Before `up` the scenario also PATCHes each entity with its own GET body on the old cluster (the
// snapshot's `patches`): the old version's own answer. A PATCH refused after finish exactly as the
// old version refused it (same status, same body) is a behaviour of that Kong version, reported as
// pre-existing and not blamed on the upgrade: real Kong 1.5 to 3.0 on Postgres answer a key-auth
// credential's GET with `"ttl": null` and refuse that body back with 500 (kong/db/dao/init.lua
// floors the ttl option). A different answer, or no answer before `up` to compare with, fails.
import { isDeepStrictEqual } from "node:util";
import type { Check, CheckResult } from "./check.ts";
import { PRE_EXISTING } from "./pre-existing.ts";
import { F, type EntityAfterFinishValue, type EntityCheckValue, type EntityStateValue, type Op } from "./records.ts";
import { meaningChanges } from "./entity-meaning.ts";

const ID = "old-data-after-finish";
const MESSAGE_ENTITIES = 6;

type Body = Readonly<Record<string, unknown>>;

/** "consumers/3f2a… (custom_id cust-42)". */
export function entityLabel(key: string, body: Body | undefined): string {
  const [kind, id = ""] = key.split("/");
  const short = `${kind}/${id.slice(0, 8)}${id.length > 8 ? "…" : ""}`;
  if (!body) return short;
  const what = kind === "consumers" ? (body.username ? `username ${String(body.username)}` : `only custom_id ${String(body.custom_id)}`)
    : kind === "plugins" ? `${String(body.name)} plugin`
      : kind === "key-auths" ? `key ${String(body.key)}`
        : body.name ? `name ${String(body.name)}` : "";
  return what ? `${short} (${what})` : short;
}

type Answer = { readonly status: number; readonly body: unknown };

interface Judged { readonly problems: string[]; readonly preExisting?: string }

const bodyText = (body: unknown): string => JSON.stringify(body).slice(0, 200);

function judge(key: string, before: Body, beforePatch: Answer | undefined, after: EntityAfterFinishValue | undefined, oldVersion: string, readOnly: boolean): Judged {
  if (!after) return { problems: ["never read after finish"] };
  if (after.get.status !== 200) return { problems: [`GET answered ${after.get.status} on ${after.node}`] };
  const problems = meaningChanges(key.split("/")[0]!, before, after.get.body as Body);
  // The user's own entities are only read unless the run was told it may write them.
  if (!after.patch && readOnly) return { problems };
  if (!after.patch) return { problems: [...problems, "no PATCH was sent"] };
  if (after.patch.status === 200) return { problems };
  const p = after.patch;
  if (beforePatch && beforePatch.status === p.status && isDeepStrictEqual(beforePatch.body, p.body)) {
    return { problems, preExisting: `${PRE_EXISTING}${oldVersion} before \`up\`: PATCH ${key} with its GET body answered ${p.status} ${bodyText(p.body)} (same after finish on ${after.node})` };
  }
  const was = beforePatch ? `${oldVersion} answered ${beforePatch.status}${beforePatch.status === 200 ? "" : ` ${bodyText(beforePatch.body)}`} before \`up\`` : "no PATCH before `up` to compare with";
  return { problems: [...problems, `PATCH with the unchanged body answered ${p.status} on ${after.node}: ${bodyText(p.body)} (${was})`] };
}

const MESSAGE_NOTES = 3;

export const oldDataAfterFinish: Check = {
  id: ID,
  description: "every entity seeded before `up` (old-shaped ones included) means the same after finish: GET 200, same configuration, PATCH of the unchanged body 200 or answered as the old version answered it before `up`",
  async check(ctx): Promise<CheckResult> {
    const before = ctx.history.find((op): op is Op<EntityStateValue> => op.f === F.entityState && op.type === "ok" && (op.value as EntityStateValue).label === "before-up");
    if (!before) return { id: ID, status: "unknown", message: "no entity-state \"before-up\" in history.jsonl: the seeded entities were never read before `up`", evidence: [] };
    const afters = new Map(ctx.history.filter((op): op is Op<EntityAfterFinishValue> => op.f === F.entityAfterFinish && op.type === "ok").map((op) => [op.value.entity, op.value]));
    const keys = Object.keys(before.value.entities);
    if (keys.length === 0) return { id: ID, status: "unknown", message: `the entity-state "before-up" on ${before.value.node} holds no entity: nothing seeded before \`up\` to judge after finish`, evidence: [] };
    if (afters.size === 0) return { id: ID, status: "unknown", message: `${keys.length} entities were read before \`up\` but none after finish: the run ended before`, evidence: [] };
    const oldVersion = ctx.expectations.oldImage ?? "the old version";
    const patches = before.value.patches ?? {};
    const results = keys.map((key) => ({ key, label: entityLabel(key, before.value.entities[key]), ...judge(key, before.value.entities[key]!, patches[key], afters.get(key), oldVersion, before.value.readOnly === true) }));
    const probes = ctx.history.filter((op): op is Op<EntityCheckValue> => op.f === F.verifyEntity && op.type === "ok" && (op.value as EntityCheckValue).entity.startsWith("probe/"));
    const wrongProbes = probes.filter((op) => !op.value.matches).map((op) => `${op.value.entity.slice("probe/".length)} got ${op.value.seen.replace(/^status /, "")} on ${op.node ?? "?"}`);
    const notes = results.filter((r) => r.preExisting !== undefined);
    const patchedBefore = Object.keys(patches).length;
    const evidence = [
      `${keys.length} entities read on ${before.value.node} before \`up\`${patchedBefore ? ` (each PATCHed there with its GET body: ${patchedBefore} answers of ${oldVersion})` : " (no PATCH before `up`: no old answers to compare with)"}; after finish on ${[...new Set([...afters.values()].map((a) => a.node))].join(", ")}`,
      ...results.map((r) => `${r.label}: ${r.problems.length ? r.problems.join("; ") : r.preExisting ? "GET 200, same configuration, PATCH answered as before `up` (pre-existing)" : "GET 200, same configuration, PATCH 200"}`),
      ...notes.map((r) => r.preExisting!),
      `seed probes after finish: ${probes.length - wrongProbes.length}/${probes.length} like the baseline${wrongProbes.length ? `: ${wrongProbes.join(", ")}` : ""}`,
    ];
    const data = { entities: results, probes: probes.length, wrongProbes, preExisting: notes.map((r) => r.preExisting!) };
    const bad = results.filter((r) => r.problems.length > 0);
    if (bad.length > 0) {
      const shown = bad.slice(0, MESSAGE_ENTITIES).map((r) => `${r.label}: ${r.problems.join("; ")}`);
      const more = bad.length > MESSAGE_ENTITIES ? `; and ${bad.length - MESSAGE_ENTITIES} more entities` : "";
      const pre = notes.length ? ` (${notes.length} more PATCH answers pre-existing in ${oldVersion}, see the evidence)` : "";
      return {
        id: ID, status: "fail",
        message: `${bad.length} of ${keys.length} entities seeded before \`up\` do not mean the same after finish: ${shown.join("; ")}${more}${pre}`,
        evidence: [...evidence, "see history.jsonl (f \"entity-state\", \"entity-after-finish\")"], data,
      };
    }
    if (notes.length > 0) {
      const statuses = [...new Set(notes.map((r) => afters.get(r.key)!.patch!.status))].join("/");
      const named = notes.slice(0, MESSAGE_NOTES).map((r) => r.label).join(", ") + (notes.length > MESSAGE_NOTES ? `, and ${notes.length - MESSAGE_NOTES} more` : "");
      return {
        id: ID, status: "pass",
        message: `all ${keys.length} entities seeded before \`up\` mean the same after finish; ${PRE_EXISTING}${oldVersion} before \`up\`, not the upgrade's: the PATCH of ${notes.length} with its GET body answered ${statuses} there too (${named}); the others PATCH 200`,
        evidence, data,
      };
    }
    return { id: ID, status: "pass", message: `all ${keys.length} entities seeded before \`up\` mean the same after finish: GET 200, same configuration, PATCH of the unchanged body 200`, evidence, data };
  },
};
