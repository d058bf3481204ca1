// Kong's configuration as the official image receives it: KONG_* environment variables over the
// defaults of kong/templates/kong_defaults.lua. Only the properties the stand-in models are read.
import type { Strategy } from "./db/types.ts";

export interface Listener { readonly host: string; readonly port: number }

export interface StandinConfig {
  readonly database: Strategy | "off";
  readonly pg: { host: string; port: number; user: string; password: string | undefined; database: string; schema: string | undefined; timeoutMs: number };
  readonly cassandra: { contactPoints: string[]; port: number; keyspace: string; timeoutMs: number; consensusTimeoutMs: number; localDatacenter: string };
  readonly proxyListen: readonly Listener[];
  readonly adminListen: readonly Listener[];
  readonly dbUpdateFrequencyS: number;
  readonly dbUpdatePropagationS: number;
  /** `plugins` after expanding `bundled`. */
  readonly plugins: readonly string[];
  /** `plugins` as configured (`["bundled"]` by default), as GET / shows it. */
  readonly pluginsSetting: readonly string[];
  /** `nginx_worker_processes` as configured, as GET / shows it. */
  readonly nginxWorkerProcesses: string;
  readonly prefix: string;
  /** Raw KONG_STANDIN_FAULTS, parsed by faults.ts. */
  readonly faults: string;
}

const num = (v: string | undefined, d: number): number => (v === undefined || v === "" ? d : Number(v));

/** Parses `0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl` keeping non-ssl listeners. */
export function parseListen(value: string): Listener[] {
  if (value.trim() === "off") return [];
  return value.split(",").map((s) => s.trim().split(/\s+/)).filter((parts) => !parts.includes("ssl")).map(([addr]) => {
    const i = addr!.lastIndexOf(":");
    return { host: addr!.slice(0, i), port: Number(addr!.slice(i + 1)) };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv, bundledPlugins: readonly string[]): StandinConfig {
  const e = (k: string): string | undefined => env[`KONG_${k.toUpperCase()}`];
  const pluginsSetting = (e("plugins") ?? "bundled").split(",").map((s) => s.trim()).filter(Boolean);
  const plugins = pluginsSetting
    .flatMap((p) => (p === "bundled" ? bundledPlugins : p === "off" ? [] : [p]));
  return {
    database: (e("database") ?? "postgres") as StandinConfig["database"],
    pg: {
      host: e("pg_host") ?? "127.0.0.1", port: num(e("pg_port"), 5432), user: e("pg_user") ?? "kong",
      password: e("pg_password"), database: e("pg_database") ?? "kong", schema: e("pg_schema"), timeoutMs: num(e("pg_timeout"), 5000),
    },
    cassandra: {
      contactPoints: (e("cassandra_contact_points") ?? "127.0.0.1").split(",").map((s) => s.trim()),
      port: num(e("cassandra_port"), 9042), keyspace: e("cassandra_keyspace") ?? "kong",
      timeoutMs: num(e("cassandra_timeout"), 5000), consensusTimeoutMs: num(e("cassandra_schema_consensus_timeout"), 10000),
      localDatacenter: e("cassandra_local_datacenter") ?? "datacenter1",
    },
    proxyListen: parseListen(e("proxy_listen") ?? "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384"),
    adminListen: parseListen(e("admin_listen") ?? "127.0.0.1:8001 reuseport backlog=16384, 127.0.0.1:8444 http2 ssl reuseport backlog=16384"),
    dbUpdateFrequencyS: num(e("db_update_frequency"), 5),
    dbUpdatePropagationS: num(e("db_update_propagation"), 0),
    plugins: [...new Set(plugins)],
    pluginsSetting,
    nginxWorkerProcesses: e("nginx_worker_processes") ?? "auto",
    prefix: e("prefix") ?? "/usr/local/kong",
    faults: env.KONG_STANDIN_FAULTS ?? "",
  };
}
