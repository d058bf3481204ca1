// proxy-cache (kong/plugins/proxy-cache/handler.lua in Kong from 2.6; before, the
// kong-proxy-cache-plugin rock: 1.2.3 with 1.5, 1.3.x with 2.0 to 2.5, the same logic): strategy
// `memory`, a shared dict of the node (the stand-in keeps one map per dictionary per node). A request
// with an allowed method is looked up by an md5 cache key (consumer and route, method, request line,
// query, vary headers): `X-Cache-Status: Miss` and the answer stored when its status and exact
// Content-Type are allowed; `Hit` answers from the store with `Age`; `Refresh` past cache_ttl;
// `Bypass` for other methods or answers. The Admin API's /proxy-cache purge endpoints are not served.
import { createHash } from "node:crypto";
import { atLeast } from "../../catalogue/entities.ts";
import type { ConfigField } from "./config-schema.ts";
import type { HeaderMap, HeaderValue, PluginHandler, RequestContext } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";

export interface ProxyCacheConfig {
  readonly response_code: readonly number[];
  readonly request_method: readonly string[];
  readonly content_type: readonly string[];
  readonly cache_ttl: number;
  readonly cache_control: boolean;
  readonly storage_ttl: number | null;
  readonly dictionary: string;
  readonly vary_query_params: readonly string[] | null;
  readonly vary_headers: readonly string[] | null;
}

/** The lua_shared_dict names of Kong's nginx template (a memory strategy must name one). */
const SHARED_DICTS = ["kong", "kong_locks", "kong_healthchecks", "kong_process_events", "kong_cluster_events", "kong_rate_limiting_counters",
  "kong_core_db_cache", "kong_core_db_cache_miss", "kong_db_cache", "kong_db_cache_miss", "kong_cassandra", "prometheus_metrics"];

export const PROXY_CACHE_FIELDS: readonly ConfigField[] = [
  { name: "response_code", type: "array", default: [200, 301, 404], required: true, lenMin: 1, elements: { type: "integer", between: [100, 900] } },
  { name: "request_method", type: "array", default: ["GET", "HEAD"], required: true, elements: { type: "string", oneOf: ["HEAD", "GET", "POST", "PATCH", "PUT"] } },
  { name: "content_type", type: "array", default: ["text/plain", "application/json"], required: true, elements: { type: "string" } },
  { name: "cache_ttl", type: "integer", default: 300, gt: 0 },
  { name: "strategy", type: "string", required: true, oneOf: ["memory"] },
  { name: "cache_control", type: "boolean", default: false, required: true },
  { name: "storage_ttl", type: "integer" },
  { name: "memory", type: "record", fields: [{ name: "dictionary_name", type: "string", required: true, default: "kong_db_cache" }] },
  { name: "vary_query_params", type: "array", elements: { type: "string" } },
  { name: "vary_headers", type: "array", elements: { type: "string" } },
];

export const proxyCacheSchema: PluginSchema = {
  fields: PROXY_CACHE_FIELDS,
  check(config) {
    const dict = (config.memory as { dictionary_name?: unknown } | null)?.dictionary_name;
    return config.strategy === "memory" && typeof dict === "string" && !SHARED_DICTS.includes(dict) ? { entity: [`missing shared dict '${dict}'`] } : undefined;
  },
};

interface Stored {
  readonly status: number; readonly headers: Record<string, HeaderValue>; readonly body: Buffer;
  readonly timestamp: number; readonly ttl: number; readonly expiresAt: number;
}

/** One map per shared dict of this node (entries expire with their storage TTL). */
const dicts = new Map<string, Map<string, Stored>>();
const dict = (name: string): Map<string, Stored> => { let d = dicts.get(name); if (!d) { d = new Map(); dicts.set(name, d); } return d; };

const nowS = (): number => Date.now() / 1000;

/** parse_directive_header: `max-age=60, no-cache` as {"max-age": 60, "no-cache": true}. */
export function parseDirectives(h: HeaderValue | undefined): Record<string, string | number | true> {
  if (h === undefined) return {};
  const out: Record<string, string | number | true> = {};
  for (const part of (Array.isArray(h) ? h.join(", ") : h).split(",")) {
    const m = /^\s*([^=]+)(?:=(.+))?/.exec(part);
    if (!m) continue;
    const n = m[2] === undefined ? undefined : Number(m[2]);
    out[m[1]!.toLowerCase()] = m[2] === undefined ? true : Number.isFinite(n) && m[2].trim() !== "" ? n! : m[2];
  }
  return out;
}

/** resource_ttl: s-maxage or max-age, else Expires, at least 0. */
function resourceTtl(cc: Record<string, string | number | true>, h: HeaderMap): number {
  let maxAge = typeof cc["s-maxage"] === "number" ? cc["s-maxage"] : typeof cc["max-age"] === "number" ? cc["max-age"] : undefined;
  if (maxAge === undefined) {
    const exp = h.get("expires");
    const t = Date.parse(String(Array.isArray(exp) ? exp[exp.length - 1] : exp));
    if (Number.isFinite(t)) maxAge = t / 1000 - Math.floor(nowS());
  }
  return maxAge === undefined ? 0 : Math.max(maxAge, 0);
}

/** generate_key_from: `name=value` (lists sorted and joined with `,`, bare names alone), joined with `:`. */
function keyFrom(args: ReadonlyMap<string, string | true | Array<string | true>>, fields: readonly string[]): string {
  const out: string[] = [];
  for (const field of fields) {
    const arg = args.get(field);
    if (arg === undefined) continue;
    if (Array.isArray(arg)) out.push(`${field}=${arg.map(String).sort().join(",")}`);
    else if (arg === true) out.push(field);
    else out.push(`${field}=${arg}`);
  }
  return out.join(":");
}

/** build_cache_key: md5 of `prefix|method|request line without query|params|headers`. */
export function cacheKey(conf: ProxyCacheConfig, ctx: RequestContext): string {
  const consumerId = ctx.consumer?.id, routeId = ctx.route.id;
  const prefix = consumerId && routeId ? `${String(consumerId)}:${String(routeId)}` : routeId ? String(routeId) : "default";
  const target = ctx.req.url ?? "/";
  const q = target.indexOf("?");
  // ngx.var.request with `\?.*` removed: the HTTP version stays when there is no query.
  const requestLine = q < 0 ? `${ctx.method} ${target} HTTP/${ctx.req.httpVersion}` : `${ctx.method} ${target.slice(0, q)}`;
  const args = new Map<string, string | true | Array<string | true>>();
  if (q >= 0) {
    for (const part of target.slice(q + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const dec = (x: string): string => { try { return decodeURIComponent(x.replace(/\+/g, " ")); } catch { return x; } };
      const k = dec(eq < 0 ? part : part.slice(0, eq));
      const v: string | true = eq < 0 ? true : dec(part.slice(eq + 1));
      const prior = args.get(k);
      args.set(k, prior === undefined ? v : [...(Array.isArray(prior) ? prior : [prior]), v]);
    }
  }
  const params = conf.vary_query_params && conf.vary_query_params.length > 0 ? keyFrom(args, conf.vary_query_params) : keyFrom(args, [...args.keys()].sort());
  let headers = "";
  if (conf.vary_headers && conf.vary_headers.length > 0) {
    const hs = new Map<string, string | Array<string | true>>();
    for (const [k, v] of Object.entries(ctx.req.headers)) if (v !== undefined) hs.set(k, Array.isArray(v) ? v : v);
    headers = keyFrom(new Map(conf.vary_headers.map((f) => [f, hs.get(f.toLowerCase())!] as const).filter(([, v]) => v !== undefined)), conf.vary_headers);
  }
  return createHash("md5").update(`${prefix}|${ctx.method}|${requestLine}|${params}|${headers}`).digest("hex");
}

/** overwritable_header: what a hit does not replay (hop-by-hop, Content-Length, remaining rate limits). */
const notReplayed = (name: string): boolean =>
  ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade", "content-length"].includes(name.toLowerCase())
  || /ratelimit-remaining/i.test(name);

interface CacheState { key?: string; headers?: Record<string, HeaderValue>; ttl?: number }

/** proxy-cache (PRIORITY 100). */
export const proxyCachePlugin: PluginHandler<ProxyCacheConfig> = {
  name: "proxy-cache",
  priority: () => 100,
  parse: (c) => ({
    response_code: Array.isArray(c.response_code) ? (c.response_code as number[]) : [200, 301, 404],
    request_method: Array.isArray(c.request_method) ? (c.request_method as string[]) : ["GET", "HEAD"],
    content_type: Array.isArray(c.content_type) ? (c.content_type as string[]) : ["text/plain", "application/json"],
    cache_ttl: typeof c.cache_ttl === "number" ? c.cache_ttl : 300,
    cache_control: c.cache_control === true,
    storage_ttl: typeof c.storage_ttl === "number" ? c.storage_ttl : null,
    dictionary: String((c.memory as { dictionary_name?: unknown } | null)?.dictionary_name ?? "kong_db_cache"),
    vary_query_params: Array.isArray(c.vary_query_params) ? (c.vary_query_params as string[]) : null,
    vary_headers: Array.isArray(c.vary_headers) ? (c.vary_headers as string[]) : null,
  }),
  access(conf, ctx, node) {
    const cc = parseDirectives(ctx.req.headers["cache-control"]);
    const state = ctx.plugin("proxy-cache") as CacheState;
    if (!conf.request_method.includes(ctx.method) || (conf.cache_control && (cc["no-store"] || cc["no-cache"]))) {
      ctx.responseHeaders.set("X-Cache-Status", "Bypass");
      return undefined;
    }
    const key = cacheKey(conf, ctx);
    ctx.responseHeaders.set("X-Cache-Key", key);
    const signal = (status: string): undefined => { state.key = key; ctx.responseHeaders.set("X-Cache-Status", status); return undefined; };
    const store = dict(conf.dictionary);
    const entry = store.get(key);
    const now = Math.floor(nowS());
    if (!entry || entry.expiresAt <= nowS()) {
      store.delete(key);
      if (conf.cache_control && cc["only-if-cached"]) return { status: 504, form: "exit" };
      return signal("Miss");
    }
    const age = now - entry.timestamp;
    if (conf.cache_control) {
      if (typeof cc["max-age"] === "number" && age > cc["max-age"]) return signal("Refresh");
      if (typeof cc["max-stale"] === "number" && age - entry.ttl > cc["max-stale"]) return signal("Refresh");
      if (typeof cc["min-fresh"] === "number" && entry.ttl - age < cc["min-fresh"]) return signal("Refresh");
    } else if (age > conf.cache_ttl) {
      return signal("Refresh");
    }
    const headers: Record<string, HeaderValue> = {};
    for (const [k, v] of Object.entries(entry.headers)) if (!notReplayed(k)) headers[k] = v;
    headers.Age = String(Math.floor(age));
    headers["X-Cache-Status"] = "Hit";
    // 1.5's rock sent the body with ngx.say, which adds a newline.
    const body = atLeast(node.version, "2.0.0") ? entry.body : Buffer.concat([entry.body, Buffer.from("\n")]);
    return { status: entry.status, form: "exit", body, headers, proxied: true };
  },
  headerFilter(conf, ctx, res) {
    const state = ctx.plugin("proxy-cache") as CacheState;
    if (state.key === undefined) return;
    const cc = parseDirectives(res.headers.get("cache-control"));
    const contentType = res.headers.get("content-type");
    const cacheable = conf.response_code.includes(res.status)
      && typeof contentType === "string" && contentType !== "" && conf.content_type.includes(contentType)
      && !(conf.cache_control && (cc.private || cc["no-store"] || cc["no-cache"]))
      && !(conf.cache_control && resourceTtl(cc, res.headers) <= 0);
    if (!cacheable) {
      res.headers.set("X-Cache-Status", "Bypass");
      state.key = undefined;
      return;
    }
    state.headers = res.headers.toObject();
    state.ttl = conf.cache_control ? resourceTtl(cc, res.headers) : conf.cache_ttl;
  },
  wantsBody: (_conf, ctx) => (ctx.plugin("proxy-cache") as CacheState).headers !== undefined,
  bodyFilter(conf, ctx, res, body) {
    const state = ctx.plugin("proxy-cache") as CacheState;
    if (state.key === undefined || !state.headers) return body;
    const ttl = conf.storage_ttl ?? (conf.cache_control ? state.ttl! : conf.cache_ttl);
    dict(conf.dictionary).set(state.key, { status: res.status, headers: state.headers, body, timestamp: Math.floor(nowS()), ttl: state.ttl!, expiresAt: nowS() + ttl });
    return body;
  },
};
