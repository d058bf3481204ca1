// Kong's cache-key formats (kong/db/dao/init.lua `cache_key`): 2.0 and older build
// `<table>:<k1>:<k2>:<k3>:<k4>:<k5>` (six fields), 2.1+ append `:<ws_id>` (seven fields). Entity-key
// invalidations therefore do not match across that boundary; the version keys below do.
import { atLeast } from "../catalogue/entities.ts";

export const ROUTER_VERSION_KEY = "router:version";
export const PLUGINS_VERSION_KEY = "plugins_iterator:version";
export const CHANNEL_INVALIDATIONS = "invalidations";
export const CHANNEL_UPSTREAMS = "balancer:upstreams";
export const CHANNEL_TARGETS = "balancer:targets";

export type CacheKeyFn = (table: string, key: string, ...args: ReadonlyArray<string | null | undefined>) => string;

/** The cache-key builder of a Kong version; wsId is the default workspace (2.1+). */
export function cacheKeyFormat(version: string, wsId: string | null): CacheKeyFn {
  const withWs = atLeast(version, "2.1.0");
  return (table, key, ...args) => {
    const a = [0, 1, 2, 3].map((i) => args[i] ?? "");
    const base = `${table}:${key}:${a.join(":")}`;
    return withWs ? `${base}:${wsId ?? ""}` : base;
  };
}

/** plugins' cache_key fields are (name, route, service, consumer). */
export function pluginCacheKey(fmt: CacheKeyFn, row: Readonly<Record<string, unknown>>): string {
  const s = (v: unknown): string => (typeof v === "string" ? v : "");
  return fmt("plugins", s(row.name), s(row.route_id), s(row.service_id), s(row.consumer_id));
}

/**
 * Whether the version's plugins DAO translates cache keys (kong/db/dao/plugins.lua
 * `select_by_cache_key`, 2.1.0 to 2.8.x; gone in 3.0). Until core's 009_200_to_210 is executed
 * (that is, until `finish`), it drops whatever the 2.1 key found and looks the plugin up by the key
 * without its `:<ws_id>` suffix (`key:sub(1, -38)`): only rows stored in 2.0's format are found.
 */
export function translatesPluginKeys(version: string): boolean {
  return atLeast(version, "2.1.0") && !atLeast(version, "3.0.0");
}

/** `key:sub(1, -38)`: a 2.1+ key without `:` and the 36-character workspace id. */
export function withoutWorkspace(key: string): string {
  return key.slice(0, -37);
}
