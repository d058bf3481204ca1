// An approximation of Kong's traditional router (kong/router.lua): routes are tried most specific
// first (more kinds of criteria, then regex routes by regex_priority, then longer plain paths, then
// plain hosts before wildcards, then older routes) and the first full match wins.
import { atLeast } from "../../catalogue/entities.ts";
import type { Row } from "../../db/types.ts";

export interface RouteMatch {
  readonly route: Row;
  readonly service: Row | null;
  /** Path sent upstream (service path joined with the stripped request path), without query. */
  readonly upstreamPath: string;
  /** The matched path prefix when the route strips it (router.lua `match_t.prefix`), else null. */
  readonly strippedPrefix: string | null;
}

interface PathMatcher { readonly regex: RegExp | null; readonly prefix: string; readonly priority: number }
interface HostMatcher { readonly exact?: string; readonly suffix?: string; readonly prefix?: string }
interface Compiled {
  readonly route: Row;
  readonly service: Row | null;
  readonly methods: ReadonlySet<string> | null;
  readonly hosts: readonly HostMatcher[] | null;
  readonly paths: readonly PathMatcher[] | null;
  readonly headers: ReadonlyArray<[string, readonly string[]]> | null;
  readonly sortKey: readonly number[];
}

// Kong 2.x: a path made only of these characters is a plain prefix; anything else is a regex.
const PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*$/;

const arr = (v: unknown): string[] | null => (Array.isArray(v) && v.length > 0 ? (v as string[]) : null);

function compilePath(p: string, version: string, regexPriority: number): PathMatcher {
  // 3.0 marks regexes with `~`; 2.8.2+ routers understand that prefix, older ones read it literally.
  if (p.startsWith("~") && atLeast(version, "2.8.2")) return { regex: new RegExp(`^(?:${p.slice(1)})`), prefix: "", priority: regexPriority };
  if (atLeast(version, "3.0.0") || PLAIN_PATH.test(p)) return { regex: null, prefix: p, priority: 0 };
  return { regex: new RegExp(`^(?:${p})`), prefix: "", priority: regexPriority };
}

function compileHost(h: string): HostMatcher {
  const host = h.toLowerCase();
  if (host.startsWith("*.")) return { suffix: host.slice(1) };
  if (host.endsWith(".*")) return { prefix: host.slice(0, -1) };
  return { exact: host };
}

function compile(route: Row, services: ReadonlyMap<string, Row>, version: string): Compiled {
  const rp = typeof route.regex_priority === "number" ? route.regex_priority : 0;
  const methods = arr(route.methods);
  const hosts = arr(route.hosts)?.map(compileHost) ?? null;
  const paths = arr(route.paths)?.map((p) => compilePath(p, version, rp)) ?? null;
  const hdrObj = route.headers && typeof route.headers === "object" ? Object.entries(route.headers as Record<string, string[]>) : [];
  const headers = hdrObj.length > 0 ? hdrObj.map(([k, v]): [string, string[]] => [k.toLowerCase(), v.map((x) => x.toLowerCase())]) : null;
  const categories = [methods, hosts, paths, headers].filter((c) => c !== null).length;
  const hasRegex = paths?.some((p) => p.regex !== null) ? 1 : 0;
  const longest = Math.max(0, ...(paths ?? []).map((p) => p.prefix.length));
  const plainHost = hosts?.some((h) => h.exact !== undefined) ? 1 : 0;
  const created = typeof route.created_at === "number" ? route.created_at : 0;
  return {
    route, service: typeof route.service_id === "string" ? services.get(route.service_id) ?? null : null,
    methods: methods ? new Set(methods.map((m) => m.toUpperCase())) : null, hosts, paths, headers,
    sortKey: [categories, hasRegex, hasRegex ? rp : 0, longest, plainHost, -created],
  };
}

function byKey(a: Compiled, b: Compiled): number {
  for (let i = 0; i < a.sortKey.length; i++) {
    const d = b.sortKey[i]! - a.sortKey[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

function hostMatches(hs: readonly HostMatcher[], host: string): boolean {
  for (const h of hs) {
    if (h.exact !== undefined ? h.exact === host : h.suffix !== undefined ? host.endsWith(h.suffix) : host.startsWith(h.prefix!)) return true;
  }
  return false;
}

/** router.lua's sanitize_uri_postfix (2.3.3+): a stripped remainder never starts with `./` or `../`. */
export function sanitizePostfix(postfix: string): string {
  if (postfix === "." || postfix === "..") return "";
  if (postfix.startsWith("./")) return postfix.slice(2);
  if (postfix.startsWith("../")) return postfix.slice(3);
  return postfix;
}

/**
 * The upstream path as router.lua builds `upstream_uri` (same code from 1.5.1 to 2.8, router/utils.lua
 * in 3.0). `postfix` is what follows the matched path (null when the route matched no path: then the
 * request path without its leading slash). path_handling `v1` (1.5.1's default) joins with no slash
 * of its own: `/base` + `anything` is `/baseanything`; `v0` (2.0's default) inserts one.
 */
export function upstreamUri(servicePath: string | null, reqUri: string, stripUri: boolean, postfix: string | null, handling: string): string {
  const base = servicePath ?? "/";
  const rest = postfix ?? reqUri.slice(1);
  const baseSlash = base.endsWith("/");
  if (handling === "v1") {
    if (!stripUri) return base + reqUri.slice(1);
    return baseSlash && rest.startsWith("/") ? base.slice(0, -1) + rest : base + rest;
  }
  if (!stripUri) return baseSlash ? base + reqUri.slice(1) : reqUri === "/" ? base : base + reqUri;
  if (rest === "") {
    if (baseSlash) return base === "/" ? "/" : reqUri.endsWith("/") ? base : base.slice(0, -1);
    return reqUri.length > 1 && reqUri.endsWith("/") ? `${base}/` : base;
  }
  if (rest.startsWith("/")) return baseSlash ? base.slice(0, -1) + rest : base + rest;
  return baseSlash ? base + rest : `${base}/${rest}`;
}

export class Router {
  private readonly compiled: Compiled[];
  private readonly sanitizes: boolean;

  constructor(routes: readonly Row[], services: readonly Row[], version: string) {
    this.sanitizes = atLeast(version, "2.3.3");
    const byId = new Map(services.map((s) => [s.id as string, s]));
    // A disabled service (2.7+) takes its routes out of the router.
    this.compiled = routes.map((r) => compile(r, byId, version)).filter((c) => c.service?.enabled !== false).sort(byKey);
  }

  get size(): number { return this.compiled.length; }

  match(method: string, hostHeader: string, path: string, headers: Readonly<Record<string, string | string[] | undefined>>): RouteMatch | null {
    const host = hostHeader.replace(/:\d+$/, "").toLowerCase();
    for (const c of this.compiled) {
      if (c.methods && !c.methods.has(method)) continue;
      if (c.hosts && !hostMatches(c.hosts, host)) continue;
      if (c.headers && !c.headers.every(([k, vs]) => vs.includes(String(headers[k] ?? "").toLowerCase()))) continue;
      let matched: number | null = null;
      if (c.paths) {
        matched = matchPath(c.paths, path);
        if (matched === null) continue;
      }
      const svcPath = c.service && typeof c.service.path === "string" ? c.service.path : null;
      const handling = typeof c.route.path_handling === "string" ? c.route.path_handling : "v0";
      const stripUri = c.route.strip_path === true;
      const postfix = matched === null ? null : this.sanitizes ? sanitizePostfix(path.slice(matched)) : path.slice(matched);
      return {
        route: c.route, service: c.service,
        upstreamPath: upstreamUri(svcPath, path, stripUri, postfix, handling),
        strippedPrefix: stripUri && matched !== null ? path.slice(0, matched) : null,
      };
    }
    return null;
  }
}

/** Length of the matched prefix, or null. */
function matchPath(paths: readonly PathMatcher[], path: string): number | null {
  let best: number | null = null;
  for (const p of paths) {
    if (p.regex) {
      const m = p.regex.exec(path);
      if (m && (best === null || m[0].length > best)) best = m[0].length;
    } else if (path.startsWith(p.prefix) && (best === null || p.prefix.length > best)) best = p.prefix.length;
  }
  return best;
}
