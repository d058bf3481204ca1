// The seeded entities as an Admin API returns them: read on the old cluster before `up`, and on a
// new node after finish; on both each is also PATCHed with the body it came back with (an
// operator's tooling re-applying what it read must be accepted, or refused only as the old version
// itself refused it).
import type { EntityAfterFinishValue } from "../checks/index.ts";
import type { KongAdminClient } from "../kong/admin-client.ts";
import { HarnessError } from "../errors.ts";

/** Admin API collections the seed writes to; key-auth credentials through the top-level endpoint. */
export const SEEDED_COLLECTIONS = ["services", "routes", "consumers", "plugins", "key-auths"] as const;
/** Beside a user's configuration, also its other credentials and its upstreams (their own top-level endpoints in Kong 1.5 to 3.x). */
export const USER_CONFIG_COLLECTIONS = [...SEEDED_COLLECTIONS, "basic-auths", "jwts", "acls", "upstreams"] as const;

/** Fields the Admin API sets itself: sending them back is not part of "an unchanged body". */
const READ_ONLY = ["id", "created_at", "updated_at"];

/** "consumers/<id>" -> body, for every entity of the seeded collections. */
export async function readEntities(admin: KongAdminClient, collections: readonly string[] = SEEDED_COLLECTIONS): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const collection of collections) {
    const res = await admin.get<{ data?: Record<string, unknown>[] }>(`/${collection}?size=1000`);
    if (res.status !== 200 || !Array.isArray(res.body.data)) throw new HarnessError(`reading ${collection} on node "${admin.node}" answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    for (const row of res.body.data) out[`${collection}/${String(row.id)}`] = row;
  }
  return out;
}

/** PATCHes an entity with the body an Admin API returned for it, less the fields the API sets itself. */
async function patchWithOwnBody(admin: KongAdminClient, entity: string, got: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const body = Object.fromEntries(Object.entries(got).filter(([k]) => !READ_ONLY.includes(k)));
  const patched = await admin.write("PATCH", `/${entity}`, body);
  return { status: patched.status, body: patched.body };
}

/** Reads an entity on a node and, unless `readOnly`, PATCHes it with the body it came back with. */
export async function readAndRepatch(admin: KongAdminClient, entity: string, readOnly = false): Promise<EntityAfterFinishValue> {
  const got = await admin.get<Record<string, unknown>>(`/${entity}`);
  const value = { entity, node: admin.node, get: { status: got.status, body: got.body } };
  if (got.status !== 200 || readOnly) return value;
  return { ...value, patch: await patchWithOwnBody(admin, entity, got.body) };
}

/**
 * The old version's own answers, before `up`: each entity PATCHed with the body it was read with.
 * The body is unchanged, so the entity means the same afterwards (the caller reads it again).
 */
export async function repatchAll(admin: KongAdminClient, entities: Readonly<Record<string, Record<string, unknown>>>): Promise<Record<string, { status: number; body: unknown }>> {
  const out: Record<string, { status: number; body: unknown }> = {};
  for (const [entity, body] of Object.entries(entities)) out[entity] = await patchWithOwnBody(admin, entity, body);
  return out;
}
