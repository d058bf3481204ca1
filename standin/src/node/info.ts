// Bodies of GET / and GET /status (kong/api/routes/kong.lua, health.lua).
import { atLeast } from "../catalogue/entities.ts";
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

const PRIORITIES: Readonly<Record<string, number>> = { "key-auth": 1003, "rate-limiting": 901 };
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(2)} MiB`;
const listen = (ls: StandinConfig["proxyListen"]): string[] => ls.map((l) => `${l.host}:${l.port}`);

export function infoBody(version: string, hostname: string, nodeId: string, config: StandinConfig, state: NodeState): Record<string, unknown> {
  const available = Object.fromEntries(config.plugins.map((p) => [p, atLeast(version, "3.0.0") ? { version, priority: PRIORITIES[p] ?? 0 } : true]));
  return {
    plugins: { available_on_server: available, enabled_in_cluster: state.plugins.names.sort() },
    tagline: "Welcome to kong",
    configuration: {
      database: config.database, pg_host: config.pg.host, pg_port: config.pg.port, pg_user: config.pg.user, pg_database: config.pg.database,
      pg_password: config.pg.password === undefined ? null : "******",
      cassandra_contact_points: config.cassandra.contactPoints, cassandra_keyspace: config.cassandra.keyspace,
      proxy_listen: listen(config.proxyListen), admin_listen: listen(config.adminListen),
      db_update_frequency: config.dbUpdateFrequencyS, db_update_propagation: config.dbUpdatePropagationS, db_cache_ttl: 0,
      worker_consistency: atLeast(version, "3.0.0") ? "eventual" : "strict", plugins: config.plugins, prefix: config.prefix,
    },
    version,
    node_id: nodeId,
    hostname,
    timers: { running: 0, pending: 1 },
    lua_version: "LuaJIT 2.1.0-beta3",
    ...(atLeast(version, "2.4.0") ? { pids: { master: process.pid, workers: [process.pid] } } : {}),
  };
}

export async function statusBody(ds: Datastore, stats: ServerStats): Promise<Record<string, unknown>> {
  const mem = process.memoryUsage();
  return {
    database: { reachable: await ds.reachable().catch(() => false) },
    memory: {
      workers_lua_vms: [{ http_allocated_gc: mib(mem.heapUsed), pid: process.pid }],
      lua_shared_dicts: { kong: { allocated_slabs: "0.04 MiB", capacity: "5.00 MiB" }, kong_db_cache: { allocated_slabs: mib(mem.external), capacity: "128.00 MiB" } },
    },
    server: {
      connections_accepted: stats.accepted, connections_active: stats.active, connections_handled: stats.accepted,
      connections_reading: stats.reading, connections_writing: stats.writing, connections_waiting: Math.max(0, stats.active - stats.writing),
      total_requests: stats.totalRequests,
    },
  };
}
