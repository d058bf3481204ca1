// request-transformer (kong/plugins/request-transformer/access.lua in Kong from 2.7; before, the
// kong-plugin-request-transformer rock Kong bundled: 1.2.x up to 2.2, 1.3.x from 2.3, with the same
// behaviour): in access, the upstream path (replace.uri), method (http_method), headers, body and
// query are rewritten, in that order; each list entry is removed, renamed, replaced (only if present),
// added (only if absent) or appended. Values may be templates: `$(headers.x)`, `$(query_params["y"])`,
// `$(shared.z)` and `a or b` of those are evaluated; other Lua expressions and uri_captures are not
// modelled (they render empty). Bodies: JSON and form-encoded are rewritten, multipart is left alone.
// The headers nginx sets itself (X-Forwarded-*, X-Real-IP) are not touched, as in Kong.
import type { ConfigField } from "./config-schema.ts";
import type { HeaderValue, PluginHandler, RequestContext } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";
import { headerNameError, splitPair } from "./response-transformer.ts";

type Lists = Readonly<Record<string, readonly string[] | string | null>>;
export interface RequestTransformerConfig {
  readonly http_method: string | null;
  readonly remove: Lists; readonly rename: Lists; readonly replace: Lists; readonly add: Lists; readonly append: Lists;
}

/** schema.lua's check_for_value: an entry needs a value after its colon. */
function valueError(entry: string): string | undefined {
  const { name, value } = splitPair(entry);
  return value === undefined ? `key '${name}' has no value` : undefined;
}

const list = (check?: (v: unknown) => string | undefined, match?: RegExp): Omit<ConfigField, "name"> =>
  ({ type: "array", default: [], requiredSince: "2.3.0", elements: { type: "string", ...(match ? { match } : {}), ...(check ? { check } : {}) } });
const COLON = /^[^:]+:[\s\S]*$/;
const headerName = (v: unknown): string | undefined => headerNameError(splitPair(String(v)).name);
const bothNames = (v: unknown): string | undefined => { const { name, value } = splitPair(String(v)); return headerNameError(name) ?? headerNameError(value ?? ""); };
const colonValues = list((v) => valueError(String(v)));

const record = (name: string, headers: Omit<ConfigField, "name">, extra: readonly ConfigField[] = []): ConfigField => ({
  name, type: "record",
  fields: [{ name: "body", ...(name === "remove" ? list() : colonValues) }, { name: "headers", ...headers },
    { name: "querystring", ...(name === "remove" ? list() : colonValues) }, ...extra],
});

export const REQUEST_TRANSFORMER_FIELDS: readonly ConfigField[] = [
  { name: "http_method", type: "string", match: /^[A-Z]+$/ },
  record("remove", list(headerName)),
  record("rename", list(bothNames, COLON)),
  record("replace", list(headerName, COLON), [{ name: "uri", type: "string" }]),
  record("add", list(headerName, COLON)),
  record("append", list(headerName, COLON)),
];

export const requestTransformerSchema: PluginSchema = { fields: REQUEST_TRANSFORMER_FIELDS };

/** Headers nginx sets with proxy_set_header, whatever the request carries. */
const PROXY_SET = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-path", "x-forwarded-prefix", "x-real-ip"];

type Arg = string | true | Array<string | true>;

/** ngx.decode_args: repeated names give a list, a bare name `true`. */
export function decodeArgs(s: string): Map<string, Arg> {
  const out = new Map<string, Arg>();
  for (const part of s.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const dec = (x: string): string => { try { return decodeURIComponent(x.replace(/\+/g, " ")); } catch { return x; } };
    const k = dec(eq < 0 ? part : part.slice(0, eq));
    const v: string | true = eq < 0 ? true : dec(part.slice(eq + 1));
    const prior = out.get(k);
    out.set(k, prior === undefined ? v : [...(Array.isArray(prior) ? prior : [prior]), v]);
  }
  return out;
}

/** ngx.escape_uri (component): everything but letters, digits and `-._~`. */
const escapeUri = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** ngx.encode_args of one name. */
function encodeArg(k: string, v: Arg): string {
  return (Array.isArray(v) ? v : [v]).map((x) => (x === true ? escapeUri(k) : `${escapeUri(k)}=${escapeUri(x)}`)).join("&");
}

/** kong.service.request.set_query: each name encoded, then sorted lexicographically. */
export function orderedArgs(args: ReadonlyMap<string, Arg>): string {
  return [...args].map(([k, v]) => encodeArg(k, v)).sort().join("&");
}

const appendValue = (cur: Arg | undefined, v: string): Arg => (cur === undefined ? [v] : Array.isArray(cur) ? [...cur, v] : [cur, v]);

/** The template environment: headers (names also with `_` for `-`), query_params, shared. */
interface TemplateEnv { headers: Readonly<Record<string, HeaderValue>>; query: ReadonlyMap<string, Arg>; shared: Readonly<Record<string, unknown>> }

/** pl.template's `$(expr)`, for `table.name`, `table["name"]` and `a or b` of those and string literals. */
export function render(template: string, env: TemplateEnv): string {
  return template.replace(/\$\(([^()]*)\)/g, (_m, expr: string) => {
    for (const alt of expr.split(/\s+or\s+/)) {
      const v = evaluate(alt.trim(), env);
      if (v !== undefined && v !== null && v !== false) {
        if (typeof v === "object") throw new Error(`[request-transformer] failed to render the template ${template}`);
        return String(v);
      }
    }
    return "";
  });
}

function evaluate(expr: string, env: TemplateEnv): unknown {
  const lit = /^(["'])(.*)\1$/.exec(expr);
  if (lit) return lit[2];
  const m = /^(headers|query_params|uri_captures|shared)(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*(["'])(.*?)\3\s*\])$/.exec(expr);
  if (!m) return undefined;
  const key = m[2] ?? m[4] ?? "";
  if (m[1] === "headers") return env.headers[key.toLowerCase()] ?? env.headers[key.toLowerCase().replace(/_/g, "-")];
  if (m[1] === "query_params") return env.query.get(key);
  if (m[1] === "shared") return env.shared[key];
  return undefined;
}

const entries = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/** The entries of a list as (name, rendered value or undefined). */
function each(listValue: unknown, env: TemplateEnv): Array<{ name: string; value: string | undefined }> {
  return entries(listValue).map((pair) => {
    const { name, value } = splitPair(pair);
    return { name, value: value === undefined ? undefined : render(value, env) };
  });
}

function transformHeaders(conf: RequestTransformerConfig, ctx: RequestContext, env: TemplateEnv): void {
  const h = ctx.upstreamHeaders;
  const kept = Object.fromEntries(PROXY_SET.filter((k) => h[k] !== undefined).map((k) => [k, h[k]!]));
  for (const { name } of each(conf.remove.headers, env)) delete h[name.toLowerCase()];
  for (const { name, value } of each(conf.rename.headers, env)) {
    const old = name.toLowerCase();
    if (h[old] !== undefined && value !== undefined) { const v = h[old]!; delete h[old]; h[value.toLowerCase()] = v; }
  }
  for (const { name, value } of each(conf.replace.headers, env)) {
    const n = name.toLowerCase();
    if ((h[n] !== undefined || n === "host") && value !== undefined) h[n] = value;
  }
  for (const { name, value } of each(conf.add.headers, env)) {
    const n = name.toLowerCase();
    if (h[n] === undefined && n !== "host" && value !== undefined) h[n] = value;
  }
  for (const { name, value } of each(conf.append.headers, env)) {
    const n = name.toLowerCase();
    if (n === "host" || value === undefined) continue;
    const cur = h[n];
    h[n] = cur === undefined ? [value] : [...(Array.isArray(cur) ? cur : [cur]), value];
  }
  Object.assign(h, kept);
}

function transformQuery(conf: RequestTransformerConfig, ctx: RequestContext, env: TemplateEnv): void {
  const any = ["remove", "rename", "replace", "add", "append"].some((k) => entries(conf[k as "remove"].querystring).length > 0);
  if (!any) return;
  const q = new Map(env.query);
  for (const { name } of each(conf.remove.querystring, env)) q.delete(name);
  for (const { name, value } of each(conf.rename.querystring, env)) {
    const v = q.get(name);
    if (value !== undefined) { if (v !== undefined) q.set(value, v); else q.delete(value); }
    q.delete(name);
  }
  for (const { name, value } of each(conf.replace.querystring, env)) if (q.has(name) && value !== undefined) q.set(name, value);
  for (const { name, value } of each(conf.add.querystring, env)) if (!q.has(name) && value !== undefined) q.set(name, value);
  for (const { name, value } of each(conf.append.querystring, env)) if (value !== undefined) q.set(name, appendValue(q.get(name), value));
  ctx.queryString = orderedArgs(q);
}

/** The rewritten body, or undefined when nothing changed (or the body is not JSON/form-encoded). */
export function transformBody(conf: RequestTransformerConfig, contentType: string | undefined, body: Buffer, env: TemplateEnv): Buffer | undefined {
  const type = contentType?.toLowerCase() ?? "";
  const json = type.includes("application/json");
  if (!json && !type.includes("application/x-www-form-urlencoded")) return undefined;
  const nonEmpty = body.length > 0;
  let changed = false;
  if (json) {
    let params: Record<string, unknown> = {};
    if (nonEmpty) {
      try { const p = JSON.parse(body.toString("utf8")) as unknown; if (p === null || typeof p !== "object") return undefined; params = p as Record<string, unknown>; } catch { return undefined; }
    }
    if (nonEmpty) for (const { name } of each(conf.remove.body, env)) { delete params[name]; changed = true; }
    if (nonEmpty) for (const { name, value } of each(conf.rename.body, env)) { if (value !== undefined) params[value] = params[name]; delete params[name]; changed = true; }
    if (nonEmpty) for (const { name, value } of each(conf.replace.body, env)) if (params[name] !== undefined && params[name] !== null && params[name] !== false) { params[name] = value; changed = true; }
    for (const { name, value } of each(conf.add.body, env)) if (params[name] === undefined || params[name] === null || params[name] === false) { params[name] = value; changed = true; }
    for (const { name, value } of each(conf.append.body, env)) {
      const cur = params[name];
      params[name] = typeof cur === "string" ? [cur, value] : Array.isArray(cur) ? [...cur, value] : [value];
      changed = true;
    }
    return changed ? Buffer.from(JSON.stringify(params).replace(/\//g, "\\/")) : undefined;
  }
  const params = decodeArgs(body.toString("utf8"));
  if (nonEmpty) for (const { name } of each(conf.remove.body, env)) { params.delete(name); changed = true; }
  if (nonEmpty) for (const { name, value } of each(conf.rename.body, env)) {
    const v = params.get(name);
    if (value !== undefined) { if (v !== undefined) params.set(value, v); else params.delete(value); }
    params.delete(name);
    changed = true;
  }
  if (nonEmpty) for (const { name, value } of each(conf.replace.body, env)) if (params.has(name) && value !== undefined) { params.set(name, value); changed = true; }
  for (const { name, value } of each(conf.add.body, env)) if (!params.has(name) && value !== undefined) { params.set(name, value); changed = true; }
  for (const { name, value } of each(conf.append.body, env)) if (value !== undefined) { params.set(name, appendValue(params.get(name), value)); changed = true; }
  return changed ? Buffer.from([...params].map(([k, v]) => encodeArg(k, v)).join("&")) : undefined;
}

/** kong.request.get_query as it stands: the client's arguments less those an earlier plugin removed (key-auth's hide_credentials). */
function currentQuery(ctx: RequestContext): Map<string, Arg> {
  if (ctx.queryString !== undefined) return decodeArgs(ctx.queryString);
  const url = ctx.req.url ?? "";
  const q = url.indexOf("?");
  const all = decodeArgs(q < 0 ? "" : url.slice(q + 1));
  if (ctx.query) for (const k of [...all.keys()]) if (!ctx.query.has(k)) all.delete(k);
  return all;
}

const recordOf = (v: unknown): Lists => (v && typeof v === "object" && !Array.isArray(v) ? (v as Lists) : {});

/** request-transformer (PRIORITY 801). */
export const requestTransformerPlugin: PluginHandler<RequestTransformerConfig> = {
  name: "request-transformer",
  priority: () => 801,
  parse: (c) => ({
    http_method: typeof c.http_method === "string" ? c.http_method : null,
    remove: recordOf(c.remove), rename: recordOf(c.rename), replace: recordOf(c.replace), add: recordOf(c.add), append: recordOf(c.append),
  }),
  async access(conf, ctx) {
    const clientHeaders: Record<string, HeaderValue> = {};
    for (const [k, v] of Object.entries(ctx.upstreamHeaders)) if (!PROXY_SET.includes(k)) clientHeaders[k] = v;
    const env: TemplateEnv = { headers: clientHeaders, query: currentQuery(ctx), shared: ctx.shared };
    if (typeof conf.replace.uri === "string") {
      const path = render(conf.replace.uri, env);
      if (path !== "") ctx.upstreamPath = path;
    }
    if (conf.http_method) {
      ctx.upstreamMethod = conf.http_method.toUpperCase();
      // GET/HEAD/TRACE: a form-encoded body moves into the query string.
      if (["GET", "HEAD", "TRACE"].includes(conf.http_method) && String(ctx.req.headers["content-type"] ?? "").toLowerCase().includes("application/x-www-form-urlencoded")) {
        const params = decodeArgs((await ctx.readBody()).toString("utf8"));
        if (params.size > 0) {
          const q = new Map(env.query);
          for (const [k, v] of params) { const cur = q.get(k); q.set(k, cur === undefined ? v : [...(Array.isArray(cur) ? cur : [cur]), ...(Array.isArray(v) ? v : [v])]); }
          ctx.queryString = orderedArgs(q);
          env.query = q;
        }
      }
    }
    transformHeaders(conf, ctx, env);
    const bodyLists = ["remove", "rename", "replace", "add", "append"].some((k) => entries(conf[k as "remove"].body).length > 0);
    const contentType = ctx.upstreamHeaders["content-type"];
    if (bodyLists && contentType !== undefined) {
      const out = transformBody(conf, Array.isArray(contentType) ? contentType[0] : contentType, await ctx.readBody(), env);
      if (out) {
        ctx.body = out;
        ctx.upstreamHeaders["content-length"] = String(out.length);
      }
    }
    transformQuery(conf, ctx, env);
    return undefined;
  },
};
