// request-size-limiting (kong/plugins/request-size-limiting/handler.lua): a Content-Length above the
// allowed size is 413 `Request size limit exceeded` (417 with `Expect: 100-continue`); without one the
// body is read and measured, but only when it fits nginx's client_body_buffer_size (8k): a larger
// body lands in a temporary file, kong.request.get_raw_body gives nil, and the request passes.
// `size_unit` from 2.0 (1.5 counts megabytes), `require_content_length` (411) from 2.3.
import { atLeast } from "../../catalogue/entities.ts";
import type { ConfigField } from "./config-schema.ts";
import type { Exit, PluginHandler } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";
import { errorExit } from "./response.ts";

export const SIZE_UNITS = ["megabytes", "kilobytes", "bytes"] as const;
const FACTOR: Readonly<Record<string, number>> = { bytes: 1, kilobytes: 1024, megabytes: 1048576 };

/** Kong's nginx_http_client_body_buffer_size default: bodies above it are not in memory. */
export const CLIENT_BODY_BUFFER_SIZE = 8192;

export interface RequestSizeConfig { readonly allowed: number; readonly unit: string; readonly require_content_length: boolean }

export const REQUEST_SIZE_FIELDS: readonly ConfigField[] = [
  { name: "allowed_payload_size", type: "integer", default: 128 },
  { name: "size_unit", type: "string", default: "megabytes", required: true, oneOf: SIZE_UNITS, since: "2.0.0" },
  { name: "require_content_length", type: "boolean", default: false, required: true, since: "2.3.0" },
];

export const requestSizeSchema: PluginSchema = { fields: REQUEST_SIZE_FIELDS };

/** check_size: the answer when `length` exceeds the limit. */
export function checkSize(version: string, conf: RequestSizeConfig, length: number, expect: string | undefined): Exit | undefined {
  if (!(length > conf.allowed * (FACTOR[conf.unit] ?? 1048576))) return undefined;
  const status = expect !== undefined && expect.toLowerCase().trim() === "100-continue" ? 417 : 413;
  return errorExit(atLeast(version, "2.1.0"), status, "Request size limit exceeded");
}

/** tonumber(Content-Length): a decimal (or hex) number Lua can read, else absent. */
function luaNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : undefined;
}

/** request-size-limiting (PRIORITY 951). */
export const requestSizeLimitingPlugin: PluginHandler<RequestSizeConfig> = {
  name: "request-size-limiting",
  priority: () => 951,
  parse: (c) => ({
    allowed: typeof c.allowed_payload_size === "number" ? c.allowed_payload_size : 128,
    unit: typeof c.size_unit === "string" ? c.size_unit : "megabytes",
    require_content_length: c.require_content_length === true,
  }),
  async access(conf, ctx, node) {
    const h = ctx.req.headers;
    const expect = Array.isArray(h.expect) ? h.expect[0] : h.expect;
    const cl = luaNumber(Array.isArray(h["content-length"]) ? h["content-length"][0] : h["content-length"]);
    if (cl !== undefined) return checkSize(node.version, conf, cl, expect);
    if (conf.require_content_length && h["transfer-encoding"] !== "chunked") {
      return errorExit(true, 411, "A valid Content-Length header is required");
    }
    const body = await ctx.readBody();
    return body.length <= CLIENT_BODY_BUFFER_SIZE ? checkSize(node.version, conf, body.length, expect) : undefined;
  },
};
