// cors (kong/plugins/cors/handler.lua): a preflight (OPTIONS with Origin and
// Access-Control-Request-Method) is answered 200 by Kong itself with the Access-Control-Allow-*
// headers (unless preflight_continue); any other answer gets Access-Control-Allow-Origin (and
// -Credentials, -Expose-Headers) in header_filter. Per version: 1.5 sets `Vary: Origin` only when the
// origin depends on the request and never clears an upstream's Access-Control-Allow-Origin; 2.0 to
// 2.7 always add `Vary: Origin` and clear it when no origin matches; 2.8 leaves out Vary for `*`.
import { atLeast } from "../../catalogue/entities.ts";
import type { ConfigField } from "./config-schema.ts";
import type { HeaderMap, PluginHandler, RequestContext } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";

export const CORS_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"] as const;

export interface CorsConfig {
  readonly origins: readonly string[] | null;
  readonly headers: readonly string[] | null;
  readonly exposed_headers: readonly string[] | null;
  readonly methods: readonly string[] | null;
  readonly max_age: number | null;
  readonly credentials: boolean;
  readonly preflight_continue: boolean;
}

/** schema.lua's validate_asterisk_or_regex (is_regex compiles the value). */
function asteriskOrRegex(v: unknown): string | undefined {
  if (v === "*") return undefined;
  try {
    new RegExp(String(v));
    return undefined;
  } catch {
    return `'${String(v)}' is not a valid regex`;
  }
}

const strings: Pick<ConfigField, "type" | "elements"> = { type: "array", elements: { type: "string" } };

export const CORS_FIELDS: readonly ConfigField[] = [
  { name: "origins", type: "array", elements: { type: "string", check: asteriskOrRegex } },
  { name: "headers", ...strings },
  { name: "exposed_headers", ...strings },
  { name: "methods", type: "array", default: [...CORS_METHODS], elements: { type: "string", oneOf: CORS_METHODS } },
  { name: "max_age", type: "number" },
  { name: "credentials", type: "boolean", default: false, requiredSince: "2.3.0" },
  { name: "preflight_continue", type: "boolean", default: false, requiredSince: "2.3.0" },
];

export const corsSchema: PluginSchema = { fields: CORS_FIELDS, noConsumerSince: "0" };

interface Origin { readonly domain: string; readonly host: string }

/** normalize_origin: scheme://host[:port] with the scheme's default port left out; no host: as given. */
export function normalizeOrigin(value: string): Origin {
  const m = /^([A-Za-z0-9][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(value);
  if (!m) return { domain: value, host: value };
  const scheme = m[1]!;
  const authority = m[2]!.replace(/^.*@/, "");
  const pm = /^(.*?)(?::(\d*))?$/.exec(authority)!;
  const host = pm[1]!;
  let port: string | undefined = pm[2];
  if ((scheme === "http" && port === "80") || (scheme === "https" && port === "443")) port = undefined;
  return { domain: `${scheme}://${host}${port ? `:${port}` : ""}`, host };
}

type Allowed = { readonly regex: RegExp; readonly byHost: boolean } | { readonly domain: string; readonly byHost: boolean };

const compiled = new WeakMap<readonly string[], Allowed[]>();

/** The configured origins as the handler caches them: regexes anchored like Kong's (`^...$`), or normalized origins. */
function allowedOrigins(origins: readonly string[]): Allowed[] {
  let out = compiled.get(origins);
  if (!out) {
    out = origins.map((entry): Allowed => {
      const byHost = !entry.includes(":");
      if (/[^A-Za-z0-9.:/-]/.test(entry)) {
        let e = entry.endsWith("$") ? entry : `${entry}$`;
        if (e.startsWith("^")) e = e.slice(1);
        try {
          return { regex: new RegExp(`^(?:${e})`), byHost };
        } catch {
          return { regex: /(?!)/, byHost };
        }
      }
      return { domain: normalizeOrigin(entry).domain, byHost };
    });
    compiled.set(origins, out);
  }
  return out;
}

/** add_vary_header: set in access, added (another line) in header_filter. */
function vary(h: HeaderMap, headerFilter: boolean): void {
  if (headerFilter) h.add("Vary", "Origin");
  else h.set("Vary", "Origin");
}

/** configure_origin: whether every origin is allowed (`*`). */
export function configureOrigin(version: string, conf: CorsConfig, requestOrigin: string | undefined, h: HeaderMap, headerFilter: boolean): boolean {
  const origins = conf.origins ?? [];
  const v20 = atLeast(version, "2.0.0"), v28 = atLeast(version, "2.8.0");
  if (v28 && (origins.length === 0 || (origins.length === 1 && origins[0] === "*"))) {
    h.set("Access-Control-Allow-Origin", "*");
    return true;
  }
  if (v20) vary(h, headerFilter);
  if (!v28 && (origins.length === 0 || (origins.length === 1 && origins[0] === "*"))) {
    h.set("Access-Control-Allow-Origin", "*");
    return true;
  }
  if (origins.length === 1) {
    if (!v20) h.set("Vary", "Origin");
    // Not regex-looking: the configured origin, whatever the request's.
    if (/^[A-Za-z0-9.:/-]+$/.test(origins[0]!)) {
      h.set("Access-Control-Allow-Origin", origins[0]!);
      return false;
    }
  }
  if (requestOrigin !== undefined) {
    const req = normalizeOrigin(requestOrigin);
    for (const allowed of allowedOrigins(origins)) {
      const found = "regex" in allowed ? allowed.regex.test(allowed.byHost ? req.host : req.domain) : req.domain === allowed.domain;
      if (found) {
        h.set("Access-Control-Allow-Origin", req.domain);
        if (!v20) h.set("Vary", "Origin");
        return false;
      }
    }
  }
  if (v20) h.delete("Access-Control-Allow-Origin");
  return false;
}

export function configureCredentials(version: string, conf: CorsConfig, allowAll: boolean, requestOrigin: string | undefined, h: HeaderMap, headerFilter: boolean): void {
  if (!conf.credentials) return;
  if (!allowAll) { h.set("Access-Control-Allow-Credentials", "true"); return; }
  // ACAO `*` cannot go with credentials: the request's origin is echoed instead.
  if (requestOrigin !== undefined) {
    if (atLeast(version, "2.8.0")) vary(h, headerFilter);
    h.set("Access-Control-Allow-Origin", requestOrigin);
    h.set("Access-Control-Allow-Credentials", "true");
    if (!atLeast(version, "2.0.0")) h.set("Vary", "Origin");
  }
}

const first = (ctx: RequestContext, name: string): string | undefined => {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

interface CorsState { skip?: boolean }

/** cors (PRIORITY 2000). */
export const corsPlugin: PluginHandler<CorsConfig> = {
  name: "cors",
  priority: () => 2000,
  parse: (c) => ({
    origins: Array.isArray(c.origins) ? (c.origins as string[]) : null,
    headers: Array.isArray(c.headers) ? (c.headers as string[]) : null,
    exposed_headers: Array.isArray(c.exposed_headers) ? (c.exposed_headers as string[]) : null,
    methods: Array.isArray(c.methods) ? (c.methods as string[]) : null,
    max_age: typeof c.max_age === "number" ? c.max_age : null,
    credentials: c.credentials === true,
    preflight_continue: c.preflight_continue === true,
  }),
  access(conf, ctx, node) {
    if (ctx.method !== "OPTIONS" || first(ctx, "origin") === undefined || first(ctx, "access-control-request-method") === undefined) return undefined;
    (ctx.plugin("cors") as CorsState).skip = true;
    if (conf.preflight_continue) return undefined;
    const h = ctx.responseHeaders;
    const origin = first(ctx, "origin");
    const allowAll = configureOrigin(node.version, conf, origin, h, false);
    configureCredentials(node.version, conf, allowAll, origin, h, false);
    if (conf.headers && conf.headers.length > 0) h.set("Access-Control-Allow-Headers", conf.headers.join(","));
    else {
      const acrh = first(ctx, "access-control-request-headers");
      if (acrh !== undefined) h.set("Access-Control-Allow-Headers", acrh);
      else h.delete("Access-Control-Allow-Headers");
    }
    h.set("Access-Control-Allow-Methods", conf.methods ? conf.methods.join(",") : CORS_METHODS.join(","));
    if (conf.max_age !== null) h.set("Access-Control-Max-Age", String(conf.max_age));
    return { status: 200, form: "exit" };
  },
  headerFilter(conf, ctx, res, node) {
    if ((ctx.plugin("cors") as CorsState).skip) return;
    const origin = first(ctx, "origin");
    const allowAll = configureOrigin(node.version, conf, origin, res.headers, true);
    configureCredentials(node.version, conf, allowAll, origin, res.headers, true);
    if (conf.exposed_headers && conf.exposed_headers.length > 0) res.headers.set("Access-Control-Expose-Headers", conf.exposed_headers.join(","));
  },
};
