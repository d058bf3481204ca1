// Which route of a configuration a probe's request would reach, after Kong 2.x's traditional router
// (kong/router.lua): routes are grouped by the kinds of criteria they have (more kinds first, then
// host > header > uri > method), a route holding the path the request "hit" (the first matching
// regex, else the longest matching prefix) goes first within its group, then sort_routes' order
// (plain hosts, regex paths, number of headers, regex_priority, longest path, file order). An
// approximation: the generator uses it only to avoid a probe that another route would answer, and
// the baseline still learns what the old cluster really answers.
import { isRegexPath } from "./route-paths.ts";
import type { ConfigEntity, FormatVersion } from "./model.ts";
import { matchesFromStart } from "./regex-sample.ts";

export interface ProbeRequest {
  readonly method: string;
  /** Path without query. */
  readonly path: string;
  /** Host header, when the route needs one. */
  readonly host?: string;
  /** Route-matching headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RoutePath {
  readonly value: string;
  /** The regex (without 3.0's `~`), or null for a prefix. */
  readonly regex: string | null;
}

export interface RouteShape {
  readonly key: string;
  readonly order: number;
  readonly methods: readonly string[] | null;
  readonly hosts: readonly string[] | null;
  readonly paths: readonly RoutePath[] | null;
  readonly headers: ReadonlyArray<readonly [string, readonly string[]]> | null;
  readonly protocols: readonly string[];
  readonly regexPriority: number;
  /** Matches by SNI, client or destination address: a plain HTTP probe cannot tell whether it matches. */
  readonly addressed: boolean;
}

const HOST = 0x40, HEADER = 0x20, URI = 0x10, METHOD = 0x08, SNI = 0x04, SRC = 0x02, DST = 0x01;


const list = (v: unknown): string[] | null => (Array.isArray(v) && v.length > 0 ? v.map(String) : null);

export function routePath(value: string, format: FormatVersion): RoutePath {
  if (format === "3.0") return value.startsWith("~") ? { value, regex: value.slice(1) } : { value, regex: null };
  // Kong 2.x: a path made only of plain characters is a prefix; anything else is a regex.
  return isRegexPath(value) ? { value, regex: value } : { value, regex: null };
}

export function routeShape(route: ConfigEntity, format: FormatVersion, order: number): RouteShape {
  const f = route.fields;
  const headers = f.headers && typeof f.headers === "object" && !Array.isArray(f.headers)
    ? Object.entries(f.headers as Record<string, unknown>).map(([k, v]): [string, string[]] => [k.toLowerCase(), list(v) ?? []])
    : [];
  return {
    key: route.key, order,
    methods: list(f.methods)?.map((m) => m.toUpperCase()) ?? null,
    hosts: list(f.hosts),
    paths: list(f.paths)?.map((p) => routePath(p, format)) ?? null,
    headers: headers.length > 0 ? headers : null,
    protocols: list(f.protocols) ?? ["http", "https"],
    regexPriority: typeof f.regex_priority === "number" ? f.regex_priority : 0,
    addressed: Boolean(list(f.snis) ?? list(f.sources) ?? list(f.destinations)),
  };
}

function categoryBits(r: RouteShape): number {
  return (r.hosts ? HOST : 0) | (r.headers ? HEADER : 0) | (r.paths ? URI : 0) | (r.methods ? METHOD : 0) | (r.addressed ? SNI | SRC | DST : 0);
}

const popcount = (n: number): number => n.toString(2).split("").filter((b) => b === "1").length;

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = p.includes(":") ? host.toLowerCase() : host.toLowerCase().replace(/:\d+$/, "");
  if (p.startsWith("*.")) return h.endsWith(p.slice(1));
  if (p.endsWith(".*")) return h.startsWith(p.slice(0, -1));
  return h === p;
}

/** Whether a header value fits a route's value (3.0's `~*` values are regexes). */
function headerValueMatches(want: string, got: string): boolean {
  if (want.startsWith("~*")) return matchesFromStart(want.slice(2), got) === true;
  return want.toLowerCase() === got.toLowerCase();
}

function pathMatches(p: RoutePath, path: string): boolean {
  return p.regex !== null ? matchesFromStart(p.regex, path) === true : path.startsWith(p.value);
}

export function routeMatches(r: RouteShape, req: ProbeRequest): boolean {
  if (r.methods && !r.methods.includes(req.method)) return false;
  if (r.hosts && !(req.host !== undefined && r.hosts.some((h) => hostMatches(h, req.host!)))) return false;
  if (r.headers && !r.headers.every(([k, vs]) => req.headers[k] !== undefined && vs.some((v) => headerValueMatches(v, req.headers[k]!)))) return false;
  return !(r.paths && !r.paths.some((p) => pathMatches(p, req.path)));
}

/** sort_routes: plain hosts only, a regex path, more headers, regex_priority, the longest path, then the older route. */
function sortKey(r: RouteShape): number[] {
  const plainHosts = r.hosts && r.hosts.every((h) => !h.includes("*")) ? 2 : 0;
  const regex = r.paths?.some((p) => p.regex !== null) ? 1 : 0;
  const longest = Math.max(0, ...(r.paths ?? []).map((p) => p.value.length));
  return [plainHosts | regex, r.headers?.length ?? 0, r.regexPriority, longest, -r.order];
}

const compare = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i]! - a[i]!;
  return 0;
};

/** The path the router "hits" first: the first matching regex in route order, else the longest matching prefix. */
function hitPath(routes: readonly RouteShape[], path: string): string | undefined {
  const sorted = [...routes].sort((a, b) => compare(sortKey(a), sortKey(b)));
  for (const r of sorted) for (const p of r.paths ?? []) if (p.regex !== null && pathMatches(p, path)) return p.value;
  const prefixes = sorted.flatMap((r) => (r.paths ?? []).filter((p) => p.regex === null && path.startsWith(p.value)).map((p) => p.value));
  return prefixes.sort((a, b) => b.length - a.length)[0];
}

/** The route the request would reach, or undefined when none matches (routes matched by SNI or address are left out: a probe cannot tell). */
export function routeFor(routes: readonly RouteShape[], req: ProbeRequest): RouteShape | undefined {
  const hit = hitPath(routes, req.path);
  const key = (r: RouteShape): number[] => {
    const bits = categoryBits(r);
    return [popcount(bits), bits, r.paths?.some((p) => p.value === hit) ? 1 : 0, ...sortKey(r)];
  };
  return routes.filter((r) => !r.addressed && routeMatches(r, req)).sort((a, b) => compare(key(a), key(b)))[0];
}
