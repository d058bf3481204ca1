// Does an entity, as the new version's Admin API returns it, configure the same thing as the old
// version's answer? Field by field, with three documented exceptions:
//   ADDITIVE: fields a later version added; they may appear, but only with a value that keeps
//     the old behaviour (the new version's default for existing rows, or null where the migration
//     adds the column without a default and the new code reads null as that default).
//   REMOVED: fields a later version dropped; they may disappear only if the old value was the one
//     whose behaviour is gone with them.
//   IGNORED: bookkeeping that is not configuration.
// Arrays of plain values compare as sets: every array field of these entities is either a set
// (protocols, methods, tags) or a list of alternatives (paths, hosts), and order means nothing there.

import { isRegexPath } from "../config/route-paths.ts";

/** "<kind>.<field>" or "<kind>.config.<field>" -> the values that keep the old behaviour. */
export const ADDITIVE: Readonly<Record<string, readonly unknown[]>> = {
  // 2.1 (core 009_200_to_210): per-service upstream TLS verification; null = the global setting, as before.
  "services.tls_verify": [null], "services.tls_verify_depth": [null], "services.ca_certificates": [null],
  // 2.7 (core 014_230_to_270, column DEFAULT true): services can be disabled; every service was enabled before.
  "services.enabled": [true],
  // 2.0 (core 008_150_to_200): path_handling; existing routes get v1, the pre-2.0 behaviour.
  "routes.path_handling": ["v1"],
  // 2.2 (core 012_213_to_220): request/response buffering switches; Kong always buffered before. The
  // migration adds the columns without a default, so old routes read null, and the proxy turns
  // buffering off only on an explicit false: null and true both mean "buffered", as before.
  "routes.request_buffering": [true, null], "routes.response_buffering": [true, null],
  // 2.1: upstream mTLS client certificate; none before.
  "upstreams.client_certificate": [null],
  // key-auth 2.3/2.4: where the key may come from; header and query string were always read, body never.
  "plugins.config.key_in_header": [true], "plugins.config.key_in_query": [true], "plugins.config.key_in_body": [false],
  // rate-limiting 2.x: limit by path/header (unused unless limit_by says so) and Redis TLS/ACL user (redis policy only).
  "plugins.config.path": [null], "plugins.config.header_name": [null], "plugins.config.redis_ssl": [false],
  "plugins.config.redis_ssl_verify": [false], "plugins.config.redis_server_name": [null], "plugins.config.redis_username": [null],
  // key-auth credentials: tags and ttl (no expiry) on credentials created without them.
  "key-auths.tags": [null], "key-auths.ttl": [null],
};

/** "<kind>.<field>" -> the only old value whose meaning went away with the field. */
export const REMOVED: Readonly<Record<string, unknown>> = {
  // 2.0 (core 008_150_to_200) removed service mesh, and with it plugins.run_on; "first" (the default) was the plain gateway behaviour.
  "plugins.run_on": "first",
};

/** Bookkeeping, not configuration: a migration or the PATCH itself may move it. */
export const IGNORED: ReadonlySet<string> = new Set(["updated_at"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function normal(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(normal);
    return items.every((x) => typeof x !== "object" || x === null) ? [...items].sort((a, b) => String(a).localeCompare(String(b))) : items;
  }
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, normal(v[k])]));
  return v;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(normal(a)) === JSON.stringify(normal(b));

/**
 * Kong 3.0 marks a regex route path with a leading "~" (core 016_280_to_300 rewrites every path
 * that 2.x's router read as a regex, kong/db/migrations/migrate_path_280_300.lua): the same regex,
 * matched the same way. A 2.x path and its 3.x form are the same path.
 */
function sameRoutePaths(before: unknown, after: unknown): boolean {
  if (!Array.isArray(before) || !Array.isArray(after) || before.length !== after.length) return false;
  const unmarked = after.map((p) => (typeof p === "string" && p.startsWith("~") && !before.includes(p) && isRegexPath(p.slice(1)) ? p.slice(1) : p));
  return same(before, unmarked);
}
const show = (v: unknown): string => (v === undefined ? "(absent)" : JSON.stringify(v));

/** Differences in meaning, e.g. "config.second 5 -> 10", "field run_on dropped (was \"all\")". */
export function meaningChanges(kind: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  const walk = (prefix: string, b: Readonly<Record<string, unknown>>, a: Readonly<Record<string, unknown>>, nested: boolean): void => {
    for (const field of new Set([...Object.keys(b), ...Object.keys(a)])) {
      if (!nested && IGNORED.has(field)) continue;
      const path = `${prefix}${field}`;
      const rule = `${kind}.${path}`;
      const bv = b[field];
      const av = a[field];
      if (!(field in a)) {
        if (!(rule in REMOVED && same(bv, REMOVED[rule]))) out.push(`${path} dropped (was ${show(bv)})`);
      } else if (!(field in b)) {
        const allowed = ADDITIVE[rule];
        if (!allowed?.some((v) => same(av, v))) out.push(`${path} appeared as ${show(av)}${allowed ? ` (additive only as ${allowed.map(show).join(" or ")})` : " (not a known additive field)"}`);
      } else if (field === "config" && !nested && isObject(bv) && isObject(av)) {
        walk("config.", bv, av, true);
      } else if (!same(bv, av) && !(kind === "routes" && path === "paths" && sameRoutePaths(bv, av))) {
        out.push(`${path} ${show(bv)} -> ${show(av)}`);
      }
    }
  };
  walk("", before, after, false);
  return out;
}
