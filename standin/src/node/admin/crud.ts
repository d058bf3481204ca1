// Kong's auto-generated CRUD endpoints (kong/api/endpoints.lua) over the DAO: 201 on create, 200 on
// read/replace/update, 204 on delete (also for a missing entity), paging {data, next, offset}, and
// the db/errors.lua bodies. Writes invalidate the node cache and broadcast cluster events.
import { randomUUID } from "node:crypto";
import { CREDENTIAL_ENDPOINTS, entityFor } from "../../catalogue/entities.ts";
import { acceptedPlugins } from "../../catalogue/modelled-plugins.ts";
import { ForeignKeyViolation, UniqueViolation, type EntityTable, type Row } from "../../db/types.ts";
import { pluginCacheKey } from "../cache-keys.ts";
import { NOT_FOUND, foreignKeyViolation, notFoundPatch, schemaViolation, uniqueViolation, type ApiError } from "./errors.ts";
import { isUuid, validate, type WriteMode } from "./schema.ts";
import { prepareCredential } from "./credentials.ts";
import { apiKeyOf, toApi } from "./serialize.ts";
import { ttlFloorError, withTtl } from "./ttl-option.ts";
import type { AdminDeps } from "./server.ts";

export interface ApiResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** The exact body text, when it is not the compact JSON of `body` (kong.response.error's template). */
  readonly raw?: string;
}

const err = (e: ApiError): ApiResult => ({ status: e.status, body: e.body });

/** A row as this node's Admin API shows it (key-auth credentials also carry what Postgres reads back for `ttl`). */
const apiBody = (d: AdminDeps, table: EntityTable, row: Row): Record<string, unknown> => withTtl(d.config.database, table, row, toApi(d.version, table, row));

/** Resolves `{id or endpoint key}` of a URL segment to a stored row. */
export async function resolve(d: AdminDeps, table: EntityTable, idOrKey: string): Promise<Row | null> {
  if (isUuid(idOrKey)) {
    const byId = await d.ds.entities.select(table, idOrKey);
    if (byId) return byId;
  }
  const key = apiKeyOf(table);
  return key ? d.ds.entities.selectBy(table, key, idOrKey) : null;
}

export async function list(d: AdminDeps, table: EntityTable, basePath: string, query: URLSearchParams, where?: Record<string, unknown>): Promise<ApiResult> {
  const size = Math.min(Number(query.get("size") ?? 100) || 100, 1000);
  const offset = query.get("offset") ?? undefined;
  const page = await d.ds.entities.page(table, { size, ...(offset ? { offset } : {}), ...(where ? { where } : {}) });
  const body: Record<string, unknown> = {
    data: page.rows.map((r) => apiBody(d, table, r)),
    next: page.offset ? `${basePath}?offset=${encodeURIComponent(page.offset)}` : null,
  };
  if (page.offset) body.offset = page.offset;
  return { status: 200, body };
}

export async function read(d: AdminDeps, table: EntityTable, idOrKey: string, where?: Record<string, unknown>): Promise<ApiResult> {
  const row = await resolve(d, table, idOrKey);
  if (!row || !matches(row, where)) return err(NOT_FOUND);
  return { status: 200, body: apiBody(d, table, row) };
}

const matches = (row: Row, where?: Record<string, unknown>): boolean => !where || Object.entries(where).every(([k, v]) => row[k] === v);

/** Checks Kong's DAO makes before writing: foreign entities exist, unique fields are free. */
async function preChecks(d: AdminDeps, table: EntityTable, row: Row, selfId: string | null): Promise<ApiError | null> {
  for (const fd of entityFor(d.version, table).fields) {
    const v = row[fd.column];
    if (fd.type === "foreign" && typeof v === "string" && fd.reference && fd.reference !== "workspaces" && fd.reference !== "certificates") {
      if (!(await d.ds.entities.select(fd.reference, v))) return foreignKeyViolation(fd.name, v, fd.reference);
    }
    if (fd.unique && !fd.internal && v != null) {
      const other = await d.ds.entities.selectBy(table, fd.column, v);
      if (other && other.id !== selfId) return uniqueViolation({ [fd.name]: v });
    }
  }
  if (table === "acls") {
    // The composite cache key (consumer, group) is unique.
    const other = (await d.ds.entities.page("acls", { size: 1000, where: { consumer_id: row.consumer_id } })).rows.find((a) => a.id !== selfId && a.group === row.group);
    if (other) return uniqueViolation({ consumer: { id: row.consumer_id }, group: row.group });
  }
  if (table === "plugins") {
    const other = (await d.ds.entities.all("plugins")).find((p) => p.id !== selfId && p.name === row.name &&
      (p.route_id ?? null) === (row.route_id ?? null) && (p.service_id ?? null) === (row.service_id ?? null) && (p.consumer_id ?? null) === (row.consumer_id ?? null));
    if (other) {
      const ref = (c: string): unknown => (typeof row[c] === "string" ? { id: row[c] } : null);
      return uniqueViolation({ consumer: ref("consumer_id"), name: row.name, route: ref("route_id"), service: ref("service_id") });
    }
  }
  return null;
}

function prepare(d: AdminDeps, table: EntityTable, row: Row): Row {
  const out = { ...row };
  if (table === "plugins") out.cache_key = pluginCacheKey(d.state.key, out);
  if (table === "keyauth_credentials" && (out.key === undefined || out.key === null)) out.key = randomUUID().replace(/-/g, "");
  if (table === "targets" && typeof out.target === "string" && !/:\d+$/.test(out.target)) out.target = `${out.target}:8000`;
  delete out.created_at;
  delete out.updated_at;
  return out;
}

/** create, replace (PUT) or update (PATCH); `forced` sets fields from the URL (nested parent, PUT key). */
export async function write(d: AdminDeps, table: EntityTable, mode: WriteMode, body: Record<string, unknown>, existing: Row | null,
  forced: Row = {}): Promise<ApiResult> {
  // Kong checks the `ttl` option before anything else; a value floor() cannot take raises (500).
  const luaError = ttlFloorError(d.version, table, body);
  if (luaError) throw new Error(luaError);
  const skip = d.faults.active("accept-invalid-writes", table) !== undefined;
  // Switch patch-refuses-old-shaped: a consumer created with only a custom_id cannot be PATCHed.
  if (mode === "patch" && table === "consumers" && existing && existing.username == null && d.faults.active("patch-refuses-old-shaped", table)) {
    return err(schemaViolation({ username: "required field missing" }));
  }
  // Fields fixed by the URL (nested parent, PUT key) count as given, in API shape.
  const given: Record<string, unknown> = { ...body };
  for (const [k, val] of Object.entries(forced)) given[k.endsWith("_id") ? k.slice(0, -3) : k] = k.endsWith("_id") ? { id: val } : val;
  const v = validate(table, given, mode, { version: d.version, enabledPlugins: acceptedPlugins(d.config.plugins), existing });
  if ("errors" in v && !skip) return err(schemaViolation(v.errors));
  const row = prepare(d, table, { ...("row" in v ? v.row : body), ...forced });
  prepareCredential(table, row, given, mode !== "patch", d.state.key);
  if (mode !== "patch") row.id = existing?.id ?? (typeof body.id === "string" ? body.id : randomUUID());
  if (!skip) {
    const pre = await preChecks(d, table, row, existing ? String(existing.id) : null);
    if (pre) return err(pre);
  }
  try {
    const stored = existing && mode === "patch" ? await d.ds.entities.update(table, String(existing.id), row)
      : existing ? await d.ds.entities.upsert(table, row) : await d.ds.entities.insert(table, row);
    if (!stored) return err(notFoundPatch({ id: existing?.id }, true));
    await d.state.afterWrite(table, existing ? "update" : "create", [existing, stored]);
    return { status: mode === "create" ? 201 : 200, body: apiBody(d, table, stored) };
  } catch (e) {
    if (e instanceof UniqueViolation) return err(uniqueViolation(e.fields));
    if (e instanceof ForeignKeyViolation) {
      const [field, ref] = Object.entries(e.fields)[0] ?? ["id", {}];
      return err(foreignKeyViolation(field, String((ref as { id?: unknown }).id), `${field}s`));
    }
    throw e;
  }
}

export async function remove(d: AdminDeps, table: EntityTable, idOrKey: string, where?: Record<string, unknown>): Promise<ApiResult> {
  const row = await resolve(d, table, idOrKey);
  if (row && matches(row, where)) {
    const cascaded = table === "consumers" ? await consumerDependents(d, String(row.id)) : [];
    await d.ds.entities.delete(table, String(row.id));
    await d.state.afterWrite(table, "delete", [row]);
    // The DAO's propagate_cascade_delete_events: each row the delete took with it is invalidated too.
    for (const [t, rows] of cascaded) if (rows.length > 0) await d.state.afterWrite(t, "delete", rows);
  }
  return { status: 204 };
}

/** A consumer's credentials (of the plugins this node enabled), which `on_delete = "cascade"` removes with it. */
async function consumerDependents(d: AdminDeps, consumerId: string): Promise<Array<[EntityTable, Row[]]>> {
  const out: Array<[EntityTable, Row[]]> = [];
  for (const { table } of CREDENTIAL_ENDPOINTS) {
    if (!d.config.plugins.includes(entityFor(d.version, table).subsystem)) continue;
    const rows = await d.ds.entities.page(table, { size: 1000, where: { consumer_id: consumerId } }).then((p) => p.rows, () => []);
    out.push([table, rows]);
  }
  return out;
}

/** PATCH of a missing entity: code 6 with the key that was looked up. */
export function patchMissing(table: EntityTable, idOrKey: string): ApiResult {
  const key = apiKeyOf(table);
  return isUuid(idOrKey) || !key ? err(notFoundPatch({ id: idOrKey }, true)) : err(notFoundPatch({ [key]: idOrKey }, false));
}
