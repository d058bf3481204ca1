// Bodies of GET / and GET /status (kong/api/routes/kong.lua, health.lua).
import { atLeast } from "../catalogue/entities.ts";
import { acceptedPlugins } from "../catalogue/modelled-plugins.ts";
import { pluginPriority } from "./plugins/registry.ts";
import type { StandinConfig } from "../config.ts";
import type { Datastore } from "../db/types.ts";
import type { NodeState } from "./state.ts";

/** Counters reported by /status, fed by both listeners. */
export class ServerStats {
  accepted = 0;
  active = 0;
  totalRequests = 0;
  reading = 0;
  writing = 0;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(2)} MiB`;
const listen = (ls: StandinConfig["proxyListen"]): string[] => ls.map((l) => `${l.host}:${l.port}`);

/** LuaJIT of the OpenResty each Kong version ships (.requirements): 1.19.3 and older, 1.19.9, 1.21.4. */
function luaVersion(version: string): string {
  if (atLeast(version, "3.0.0")) return "LuaJIT 2.1.0-20220411";
  if (atLeast(version, "2.7.0")) return "LuaJIT 2.1.0-20210510";
  return "LuaJIT 2.1.0-beta3";
}

/**
 * The configuration entries the stand-in knows, with the names each version's kong_defaults.lua gives
 * them: `router_consistency` became `worker_consistency` in 2.1.0, `role` came with 2.0.0 and
 * `upstream_keepalive_pool_size` with 2.1.0. Real Kong lists every property (about 110 to 185).
 */
function configuration(version: string, config: StandinConfig): Record<string, unknown> {
  const consistency = atLeast(version, "3.0.0") ? "eventual" : "strict";
  return {
    database: config.database, pg_host: config.pg.host, pg_port: config.pg.port, pg_user: config.pg.user, pg_database: config.pg.database,
    // Kong masks a set password and leaves an unset one out.
    ...(config.pg.password === undefined ? {} : { pg_password: "******" }),
    cassandra_contact_points: config.cassandra.contactPoints, cassandra_keyspace: config.cassandra.keyspace,
    proxy_listen: listen(config.proxyListen), admin_listen: listen(config.adminListen),
    db_update_frequency: config.dbUpdateFrequencyS, db_update_propagation: config.dbUpdatePropagationS, db_cache_ttl: 0,
    ...(atLeast(version, "2.1.0") ? { worker_consistency: consistency } : { router_consistency: consistency }),
    ...(atLeast(version, "2.0.0") ? { role: "traditional" } : {}),
    ...(atLeast(version, "2.1.0") ? { upstream_keepalive_pool_size: 60 } : {}),
    headers: ["server_tokens", "latency_tokens"], nginx_worker_processes: config.nginxWorkerProcesses,
    plugins: config.pluginsSetting, prefix: config.prefix,
  };
}

export function infoBody(version: string, hostname: string, nodeId: string, config: StandinConfig, state: NodeState): Record<string, unknown> {
  // The plugins this node loads: those of its `plugins` setting the stand-in models (any other is refused as not enabled).
  const available = Object.fromEntries(acceptedPlugins(config.plugins).map((p) => [p, atLeast(version, "3.0.0") ? { version, priority: pluginPriority(p, version) ?? 0 } : true]));
  return {
    plugins: { available_on_server: available, enabled_in_cluster: state.plugins.names.sort() },
    tagline: "Welcome to kong",
    configuration: configuration(version, config),
    version,
    node_id: nodeId,
    hostname,
    timers: { running: 0, pending: 1 },
    lua_version: luaVersion(version),
    // 2.4.0 replaced the per-worker PRNG seeds with the pids of master and workers.
    ...(atLeast(version, "2.4.0") ? { pids: { master: process.pid, workers: [process.pid] } } : { prng_seeds: { [`pid: ${process.pid}`]: 0 } }),
  };
}

/** Shared dicts of the nginx template per version and datastore, with their configured sizes (MiB). */
function sharedDicts(version: string, database: StandinConfig["database"]): Record<string, number> {
  return {
    kong: 5, kong_locks: 8, kong_healthchecks: 5, kong_process_events: 5, kong_cluster_events: 5, kong_rate_limiting_counters: 12,
    kong_db_cache: 128, kong_db_cache_miss: 12,
    // 2.0.0 split core entities into their own cache.
    ...(atLeast(version, "2.0.0") ? { kong_core_db_cache: 128, kong_core_db_cache_miss: 12 } : {}),
    ...(database === "cassandra" ? { kong_cassandra: 5 } : {}),
    prometheus_metrics: 5,
  };
}

export async function statusBody(version: string, config: StandinConfig, ds: Datastore, stats: ServerStats): Promise<Record<string, unknown>> {
  const mem = process.memoryUsage();
  const dicts = Object.fromEntries(Object.entries(sharedDicts(version, config.database)).map(([name, capacityMib]) =>
    [name, { allocated_slabs: name === "kong_db_cache" ? mib(mem.external) : "0.04 MiB", capacity: `${capacityMib.toFixed(2)} MiB` }]));
  return {
    database: { reachable: await ds.reachable().catch(() => false) },
    memory: {
      workers_lua_vms: [{ http_allocated_gc: mib(mem.heapUsed), pid: process.pid }],
      lua_shared_dicts: dicts,
    },
    server: {
      connections_accepted: stats.accepted, connections_active: stats.active, connections_handled: stats.accepted,
      connections_reading: stats.reading, connections_writing: stats.writing, connections_waiting: Math.max(0, stats.active - stats.writing),
      total_requests: stats.totalRequests,
    },
  };
}
