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
