// response-transformer (kong/plugins/response-transformer/header_transformer.lua,
// body_transformer.lua): on every answer (the upstream's or one Kong gave), headers are removed,
// renamed, replaced (only if present), added (only if absent) and appended, in that order, each
// decision taken on the headers as they were before the plugin ran; with JSON transforms configured
// and a JSON answer, top-level keys of the body are removed/replaced/added/appended, the body is
// re-encoded like lua-cjson (compact, `/` escaped) and Content-Length is dropped. Identical from 1.5 to
// 3.0 except that `required` came to the lists in 2.3.
import type { ConfigField } from "./config-schema.ts";
import type { HeaderMap, PluginHandler, ResponseParts } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";

type Lists = Readonly<Record<string, readonly string[]>>;
export interface ResponseTransformerConfig { readonly remove: Lists; readonly rename: Lists; readonly replace: Lists; readonly add: Lists; readonly append: Lists }

/** utils.validate_header_name. */
export function headerNameError(name: string): string | undefined {
  return /^[a-zA-Z0-9_-]+$/.test(name) ? undefined : `'${name}' is not a valid header`;
}

/** `name:value` the way schema.lua's `match("^([^:]+):*(.-)$")` splits it. */
export function splitPair(pair: string): { name: string; value: string | undefined } {
  const m = /^([^:]+):*([\s\S]*)$/.exec(pair);
  if (!m) return { name: pair, value: undefined };
  return { name: m[1]!, value: m[2] === "" ? undefined : m[2] };
}

const COLON = /^[^:]+:[\s\S]*$/;
const list = (elements: ConfigField["elements"] = { type: "string" }): Omit<ConfigField, "name"> =>
  ({ type: "array", default: [], requiredSince: "2.3.0", elements });
const colonList = list({ type: "string", match: COLON });
const renameList = list({
  type: "string", match: COLON,
  check: (v) => { const { name, value } = splitPair(String(v)); return headerNameError(name) ?? headerNameError(value ?? ""); },
});
const jsonTypes = list({ type: "string", oneOf: ["boolean", "number", "string"] });

export const RESPONSE_TRANSFORMER_FIELDS: readonly ConfigField[] = [
  { name: "remove", type: "record", fields: [{ name: "json", ...list() }, { name: "headers", ...list() }] },
  { name: "rename", type: "record", fields: [{ name: "headers", ...renameList }] },
  ...["replace", "add", "append"].map((name): ConfigField => ({
    name, type: "record", fields: [{ name: "json", ...colonList }, { name: "json_types", ...jsonTypes }, { name: "headers", ...colonList }],
  })),
];

export const responseTransformerSchema: PluginSchema = { fields: RESPONSE_TRANSFORMER_FIELDS };

const arr = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/** transform_headers, on `h`; `before` is the answer's headers as they were before the plugin. */
export function transformHeaders(conf: ResponseTransformerConfig, h: HeaderMap, jsonBody: boolean): void {
  const before = new Map(h.names().map((n) => [n.toLowerCase(), h.get(n)]));
  const had = (name: string): boolean => before.get(name.toLowerCase()) !== undefined;
  for (const pair of arr(conf.remove.headers)) h.delete(splitPair(pair).name);
  for (const pair of arr(conf.rename.headers)) {
    const { name, value } = splitPair(pair);
    if (had(name) && value !== undefined) { h.set(value, before.get(name.toLowerCase())!); h.delete(name); }
  }
  for (const pair of arr(conf.replace.headers)) {
    const { name, value } = splitPair(pair);
    if (had(name) && value !== undefined) h.set(name, value);
  }
  for (const pair of arr(conf.add.headers)) {
    const { name, value } = splitPair(pair);
    if (!had(name) && value !== undefined) h.set(name, value);
  }
  for (const pair of arr(conf.append.headers)) {
    const { name, value } = splitPair(pair);
    if (value !== undefined) h.add(name, value);
  }
  if (jsonBody && bodyTransformSet(conf)) h.delete("Content-Length");
}

export function bodyTransformSet(conf: ResponseTransformerConfig): boolean {
  return ["add", "remove", "replace", "append"].some((k) => arr(conf[k as keyof ResponseTransformerConfig].json).length > 0);
}

export const isJsonBody = (contentType: string | undefined): boolean => contentType !== undefined && contentType.toLowerCase().includes("application/json");

function cast(value: string, type: string | undefined): unknown {
  if (type === "number") { const n = Number(value); return value.trim() !== "" && Number.isFinite(n) ? n : undefined; }
  if (type === "boolean") return value === "true";
  return value;
}

/** Lua truthiness of a JSON value (nil and false are false). */
const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== false;

/** transform_json_body: the new body, or undefined when the body is not JSON cjson decodes. */
export function transformJsonBody(conf: ResponseTransformerConfig, body: string): string | undefined {
  let json: unknown;
  try { json = JSON.parse(body); } catch { return undefined; }
  if (json === null || typeof json !== "object") return undefined;
  const o = json as Record<string, unknown>;
  for (const pair of arr(conf.remove.json)) delete o[splitPair(pair).name];
  const each = (k: "replace" | "add" | "append", fn: (name: string, v: unknown) => void): void => {
    arr(conf[k].json).forEach((pair, i) => {
      const { name, value } = splitPair(pair);
      const v = value === undefined ? undefined : cast(value, arr(conf[k].json_types)[i]);
      if (v !== undefined) fn(name, v);
    });
  };
  each("replace", (name, v) => { if (truthy(o[name])) o[name] = v; });
  each("add", (name, v) => { if (!truthy(o[name])) o[name] = v; });
  each("append", (name, v) => {
    const cur = o[name];
    o[name] = typeof cur === "string" ? [cur, v] : Array.isArray(cur) ? [...cur, v] : [v];
  });
  // lua-cjson escapes `/`.
  return JSON.stringify(o).replace(/\//g, "\\/");
}

const record = (v: unknown): Lists => (v && typeof v === "object" && !Array.isArray(v) ? (v as Lists) : {});

/** response-transformer (PRIORITY 800). */
export const responseTransformerPlugin: PluginHandler<ResponseTransformerConfig> = {
  name: "response-transformer",
  priority: () => 800,
  parse: (c) => ({ remove: record(c.remove), rename: record(c.rename), replace: record(c.replace), add: record(c.add), append: record(c.append) }),
  headerFilter(conf, _ctx, res) {
    transformHeaders(conf, res.headers, isJsonBody(res.headers.first("content-type")));
  },
  wantsBody: (conf, _ctx, res: ResponseParts) => bodyTransformSet(conf) && isJsonBody(res.headers.first("content-type")),
  bodyFilter(conf, _ctx, _res, body) {
    const out = transformJsonBody(conf, body.toString("utf8"));
    return out === undefined ? body : Buffer.from(out);
  },
};
