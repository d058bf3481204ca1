// The seeded entities as an Admin API returns them: read on the old cluster before `up`, and on a
// new node after finish, where each is also PATCHed with the body it came back with (an operator's
// tooling re-applying what it read must be accepted).
import type { EntityAfterFinishValue } from "../checks/index.ts";
import type { KongAdminClient } from "../kong/admin-client.ts";
import { HarnessError } from "../errors.ts";

/** Admin API collections the seed writes to; key-auth credentials through the top-level endpoint. */
export const SEEDED_COLLECTIONS = ["services", "routes", "consumers", "plugins", "key-auths"] as const;

/** Fields the Admin API sets itself: sending them back is not part of "an unchanged body". */
const READ_ONLY = ["id", "created_at", "updated_at"];

/** "consumers/<id>" -> body, for every entity of the seeded collections. */
export async function readEntities(admin: KongAdminClient): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const collection of SEEDED_COLLECTIONS) {
    const res = await admin.get<{ data?: Record<string, unknown>[] }>(`/${collection}?size=1000`);
    if (res.status !== 200 || !Array.isArray(res.body.data)) throw new HarnessError(`reading ${collection} on node "${admin.node}" answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    for (const row of res.body.data) out[`${collection}/${String(row.id)}`] = row;
  }
  return out;
}

export async function readAndRepatch(admin: KongAdminClient, entity: string): Promise<EntityAfterFinishValue> {
  const got = await admin.get<Record<string, unknown>>(`/${entity}`);
  const value = { entity, node: admin.node, get: { status: got.status, body: got.body } };
  if (got.status !== 200) return value;
  const body = Object.fromEntries(Object.entries(got.body).filter(([k]) => !READ_ONLY.includes(k)));
  const patched = await admin.write("PATCH", `/${entity}`, body);
  return { ...value, patch: { status: patched.status, body: patched.body } };
}
