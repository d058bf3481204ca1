// The Admin API listener: GET /, GET /status, /plugins/enabled and the CRUD endpoints of section 7.3,
// including the nested ones. Every response carries `Server: kong/<version>` and
// `X-Kong-Admin-Latency`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { CREDENTIAL_ENDPOINTS, atLeast, entityFor, type EntityDef } from "../../catalogue/entities.ts";
import { acceptedPlugins } from "../../catalogue/modelled-plugins.ts";
import type { StandinConfig } from "../../config.ts";
import type { Datastore, EntityTable, Row } from "../../db/types.ts";
import type { Faults } from "../../faults.ts";
import type { NodeState } from "../state.ts";
import { NOT_FOUND, UNEXPECTED, schemaViolation } from "./errors.ts";
import { isUuid } from "./schema.ts";
import { list, patchMissing, read, remove, resolve, write, type ApiResult } from "./crud.ts";
import { apiKeyOf } from "./serialize.ts";
import { parseBody } from "./body.ts";
import { log } from "../log.ts";
import { adminAccessLog } from "./access-log.ts";

export interface AdminDeps {
  readonly version: string;
  readonly config: StandinConfig;
  readonly ds: Datastore;
  readonly faults: Faults;
  readonly state: NodeState;
  readonly info: () => Promise<Record<string, unknown>>;
  readonly status: () => Promise<Record<string, unknown>>;
}

const COLLECTIONS: Readonly<Record<string, EntityTable>> = {
  services: "services", routes: "routes", consumers: "consumers", plugins: "plugins", upstreams: "upstreams",
  ...Object.fromEntries(CREDENTIAL_ENDPOINTS.map((c) => [c.collection, c.table])),
};
/** Nested collections: parent table → child segment → [child table, foreign key column]. */
const NESTED: Readonly<Record<string, Readonly<Record<string, [EntityTable, string]>>>> = {
  services: { routes: ["routes", "service_id"], plugins: ["plugins", "service_id"] },
  routes: { plugins: ["plugins", "route_id"] },
  consumers: { plugins: ["plugins", "consumer_id"], ...Object.fromEntries(CREDENTIAL_ENDPOINTS.map((c) => [c.nested, [c.table, "consumer_id"]])) },
  upstreams: { targets: ["targets", "upstream_id"] },
};

export class AdminHandler {
  constructor(private readonly d: AdminDeps) {}

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now();
    this.route(req).catch((e: unknown) => {
      log("error", `[admin] ${(e as Error).message}`);
      return { status: UNEXPECTED.status, body: UNEXPECTED.body };
    }).then((r) => adminAccessLog(req, r.status, this.send(res, r, t0, req.method === "HEAD")));
  };

  /** Answers; returns the body bytes sent (nginx's $body_bytes_sent). */
  private send(res: ServerResponse, r: ApiResult, t0: number, head: boolean): number {
    const body = r.raw ?? (r.body === undefined ? "" : JSON.stringify(r.body));
    res.writeHead(r.status, {
      ...(r.body === undefined ? {} : { "Content-Type": "application/json; charset=utf-8" }),
      "Content-Length": Buffer.byteLength(body), "Access-Control-Allow-Origin": "*",
      Server: `kong/${this.d.version}`, "X-Kong-Admin-Latency": String(Math.round(performance.now() - t0)), ...r.headers,
    });
    res.end(head ? undefined : body);
    return head ? 0 : Buffer.byteLength(body);
  }

  private async route(req: IncomingMessage): Promise<ApiResult> {
    const url = new URL(req.url ?? "/", "http://admin");
    const seg = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method === "HEAD" ? "GET" : req.method ?? "GET";
    if (seg.length === 0) return method === "GET" ? { status: 200, body: await this.d.info() } : NOT_ALLOWED;
    if (seg.length === 1 && seg[0] === "status") return { status: 200, body: await this.d.status() };
    if (seg.length === 2 && seg[0] === "plugins" && seg[1] === "enabled") return { status: 200, body: { enabled_plugins: acceptedPlugins(this.d.config.plugins) } };
    const table = this.collection(seg[0]!);
    if (!table) return notFound();
    const parsed = method === "POST" || method === "PUT" || method === "PATCH" ? await parseBody(req) : { body: {} };
    if ("error" in parsed) return { status: 400, body: { message: parsed.error } };
    const body = parsed.body;
    if (seg.length === 1) return this.list(method, table, `/${seg[0]}`, url.searchParams, body);
    if (seg.length === 2) return this.entity(method, table, seg[1]!, body);
    return this.nested(method, seg, url.searchParams, body);
  }

  /** A collection's table; a plugin's credentials only when the plugin is enabled (Kong loads its DAO then). */
  private collection(segment: string): EntityTable | undefined {
    const table = COLLECTIONS[segment];
    if (!table) return undefined;
    const def: EntityDef = entityFor(this.d.version, table);
    return def.subsystem === "core" || this.d.config.plugins.includes(def.subsystem) ? table : undefined;
  }

  private async list(method: string, table: EntityTable, path: string, query: URLSearchParams, body: Record<string, unknown>, forced: Row = {}): Promise<ApiResult> {
    if (method === "GET") return list(this.d, table, path, query, Object.keys(forced).length ? forced : undefined);
    if (method === "POST") return this.post(table, body, forced);
    return NOT_ALLOWED;
  }

  private async post(table: EntityTable, body: Record<string, unknown>, forced: Row): Promise<ApiResult> {
    // Targets 2.2–2.8: POSTing an existing target updates it (200 + Deprecation), as Kong did.
    if (table === "targets" && typeof body.target === "string" && forced.upstream_id) {
      const v = this.d.version;
      const target = /:\d+$/.test(body.target) ? body.target : `${body.target}:8000`;
      const same = (await this.d.ds.entities.page("targets", { size: 1000, where: { upstream_id: forced.upstream_id } })).rows.find((t) => t.target === target);
      if (same && atLeast(v, "2.2.0") && !atLeast(v, "3.0.0")) {
        const r = await write(this.d, table, "patch", body, same, forced);
        return r.status === 200 ? { ...r, headers: { Deprecation: "true" } } : r;
      }
    }
    return write(this.d, table, "create", body, null, forced);
  }

  private async entity(method: string, table: EntityTable, idOrKey: string, body: Record<string, unknown>, where?: Row): Promise<ApiResult> {
    if (method === "GET") return read(this.d, table, idOrKey, where);
    if (method === "DELETE") return remove(this.d, table, idOrKey, where);
    const existing = await resolve(this.d, table, idOrKey);
    const owned = existing && (!where || Object.entries(where).every(([k, v]) => existing[k] === v)) ? existing : null;
    if (method === "PATCH") return owned ? write(this.d, table, "patch", body, owned, where ?? {}) : patchMissing(table, idOrKey);
    if (method === "PUT") {
      // PUT by the endpoint key (name, username, ...) creates the entity with that key.
      const key = apiKeyOf(table);
      // (upsert_by_<endpoint_key> sets the key from the URL, on an existing entity too).
      const forcedKey = /^[0-9a-f-]{36}$/i.test(idOrKey) ? (owned ? {} : { id: idOrKey }) : key ? { [key]: idOrKey } : {};
      if (!owned && !("id" in forcedKey) && (!key || table === "keyauth_credentials")) {
        return { status: 400, body: schemaViolation({ id: "expected a valid UUID" }).body };
      }
      const input = { ...body, ...forcedKey };
      return write(this.d, table, "replace", input, owned, where ?? {});
    }
    return NOT_ALLOWED;
  }

  private async nested(method: string, seg: string[], query: URLSearchParams, body: Record<string, unknown>): Promise<ApiResult> {
    const parentTable = this.collection(seg[0]!);
    const child = NESTED[seg[0]!]?.[seg[2]!];
    if (!parentTable || !child || seg.length > 4 || !this.collection(CREDENTIAL_ENDPOINTS.find((c) => c.nested === seg[2] && c.table === child[0])?.collection ?? seg[0]!)) {
      return this.aclNotFound(seg) ?? notFound();
    }
    const parent = await resolve(this.d, parentTable, seg[1]!);
    if (!parent) return this.aclNotFound(seg) ?? notFound();
    const [table, fk] = child;
    const forced: Row = { [fk]: parent.id };
    if (seg.length === 3 || (table === "targets" && seg[3] === "all")) {
      return this.list(method, table, `/${seg.slice(0, 3).join("/")}`, query, body, forced);
    }
    if (table === "acls" && !isUuid(seg[3]!)) return this.aclByGroup(method, seg[3]!, body, forced);
    // A nested entity that is not there (or not the parent's) is a plain 404 for every method.
    if (method === "PATCH" && !(await this.owned(table, seg[3]!, forced))) return notFound();
    return this.entity(method, table, seg[3]!, body, forced);
  }

  private async owned(table: EntityTable, idOrKey: string, where: Row): Promise<boolean> {
    const row = await resolve(this.d, table, idOrKey);
    return row !== null && Object.entries(where).every(([k, v]) => row[k] === v);
  }

  /**
   * /consumers/{c}/acls/{group} (kong/plugins/acl/api.lua): the consumer's ACL with that group; PUT
   * creates it. A missing one is kong.response.error(404) (2.1+: the error template).
   */
  private async aclByGroup(method: string, group: string, body: Record<string, unknown>, forced: Row): Promise<ApiResult> {
    const acl = (await this.d.ds.entities.page("acls", { size: 1000, where: forced })).rows.find((a) => a.group === group);
    if (!acl && method !== "PUT") return this.aclMissing();
    // api.lua's PUT takes the group from the URL when the body has none, for an existing ACL too.
    const input = method === "PUT" && body.group === undefined ? { ...body, group } : body;
    if (!acl) return write(this.d, "acls", "replace", input, null, forced);
    return this.entity(method, "acls", String(acl.id), input, forced);
  }

  private aclNotFound(seg: readonly string[]): ApiResult | undefined {
    return seg[0] === "consumers" && seg[2] === "acls" && seg.length === 4 && !isUuid(seg[3]!) ? this.aclMissing() : undefined;
  }

  private aclMissing(): ApiResult {
    return atLeast(this.d.version, "2.1.0") ? { status: 404, body: { message: "Not found" }, raw: '{\n  "message":"Not found"\n}' } : notFound();
  }
}

const NOT_ALLOWED: ApiResult = { status: 405, body: { message: "Method not allowed" } };
const notFound = (): ApiResult => ({ status: NOT_FOUND.status, body: NOT_FOUND.body });
