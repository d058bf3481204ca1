// Old-shaped data (consumers with only a custom_id, plugins created without the fields later
// versions add) must mean the same after finish. The scenario reads every seeded entity through
// the old cluster's Admin API before `up` (entity-state "before-up"), and after finish reads each
// one on a new node and PATCHes it with the body it got back (entity-after-finish). Each must give
// GET 200, the same effective configuration, and PATCH 200. That the seed's requests give the same
// answers after finish is state-after-finish's verdict (verify-entity "probe/…"); this check shows
// those answers in its evidence and does not count them twice.
import type { Check, CheckResult } from "./check.ts";
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

function judge(key: string, before: Body, after: EntityAfterFinishValue | undefined): string[] {
  if (!after) return ["never read after finish"];
  if (after.get.status !== 200) return [`GET answered ${after.get.status} on ${after.node}`];
  const problems = meaningChanges(key.split("/")[0]!, before, after.get.body as Body);
  if (!after.patch) problems.push("no PATCH was sent");
  else if (after.patch.status !== 200) problems.push(`PATCH with the unchanged body answered ${after.patch.status} on ${after.node}: ${JSON.stringify(after.patch.body).slice(0, 200)}`);
  return problems;
}

export const oldDataAfterFinish: Check = {
  id: ID,
  description: "every entity seeded before `up` (old-shaped ones included) means the same after finish: GET 200, same configuration, PATCH of the unchanged body 200, same answers",
  async check(ctx): Promise<CheckResult> {
    const before = ctx.history.find((op): op is Op<EntityStateValue> => op.f === F.entityState && op.type === "ok" && (op.value as EntityStateValue).label === "before-up");
    if (!before) return { id: ID, status: "unknown", message: "no entity-state \"before-up\" in history.jsonl: the seeded entities were never read before `up`", evidence: [] };
    const afters = new Map(ctx.history.filter((op): op is Op<EntityAfterFinishValue> => op.f === F.entityAfterFinish && op.type === "ok").map((op) => [op.value.entity, op.value]));
    const keys = Object.keys(before.value.entities);
    if (afters.size === 0) return { id: ID, status: "unknown", message: `${keys.length} entities were read before \`up\` but none after finish: the run ended before`, evidence: [] };
    const results = keys.map((key) => ({ key, label: entityLabel(key, before.value.entities[key]), problems: judge(key, before.value.entities[key]!, afters.get(key)) }));
    const probes = ctx.history.filter((op): op is Op<EntityCheckValue> => op.f === F.verifyEntity && op.type === "ok" && (op.value as EntityCheckValue).entity.startsWith("probe/"));
    const wrongProbes = probes.filter((op) => !op.value.matches).map((op) => `${op.value.entity.slice("probe/".length)} got ${op.value.seen.replace(/^status /, "")} on ${op.node ?? "?"}`);
    const evidence = [
      `${keys.length} entities read on ${before.value.node} before \`up\`; after finish on ${[...new Set([...afters.values()].map((a) => a.node))].join(", ")}`,
      ...results.map((r) => `${r.label}: ${r.problems.length ? r.problems.join("; ") : "GET 200, same configuration, PATCH 200"}`),
      `seed probes after finish: ${probes.length - wrongProbes.length}/${probes.length} like the baseline${wrongProbes.length ? `: ${wrongProbes.join(", ")}` : ""}`,
    ];
    const data = { entities: results, probes: probes.length, wrongProbes };
    const bad = results.filter((r) => r.problems.length > 0);
    if (bad.length > 0) {
      const shown = bad.slice(0, MESSAGE_ENTITIES).map((r) => `${r.label}: ${r.problems.join("; ")}`);
      const more = bad.length > MESSAGE_ENTITIES ? `; and ${bad.length - MESSAGE_ENTITIES} more entities` : "";
      return {
        id: ID, status: "fail",
        message: `${bad.length} of ${keys.length} entities seeded before \`up\` do not mean the same after finish: ${shown.join("; ")}${more}`,
        evidence: [...evidence, "see history.jsonl (f \"entity-state\", \"entity-after-finish\")"], data,
      };
    }
    return { id: ID, status: "pass", message: `all ${keys.length} entities seeded before \`up\` mean the same after finish: GET 200, same configuration, PATCH of the unchanged body 200`, evidence, data };
  },
};
