// The Cassandra connection of a stand-in process, routed the way Kong's driver routes it
// (kong/db/strategies/cassandra/connector.lua on lua-cassandra 1.5.0-1.5.2, resty.cassandra.cluster):
// - to the contact points: the topology refresh of `init`, and `connect_migrations`, the one
//   connection Kong opens to the first contact point for the schema state, bootstrap, reset and each
//   migration's DDL and schema_meta bookkeeping;
// - to the hosts that refresh found, every other statement (the migration lock, the DAO, cluster
//   events, counters): `cluster:execute` picks them from system.local's and system.peers' rpc_address
//   and connects at `cassandra_port`. A Cassandra that advertises an address this process cannot
//   reach therefore fails at the first such statement, with lua-cassandra's words, as Kong does.
// Kong's lua-cassandra speaks protocol v4 at most (falling back on older ones), so v4 is the ceiling.
import cassandra from "cassandra-driver";
import type { StandinConfig } from "../../config.ts";

type CassConfig = StandinConfig["cassandra"];
/** Present in cassandra-driver 4.x's Metadata, missing from its typings. */
type WithAgreement = { checkSchemaAgreement(): Promise<boolean> };
export type Params = readonly unknown[];

/** `host:port` for the driver: a host given with its port is kept; an IPv6 address is bracketed. */
function endpoint(host: string, port: number): string {
  if (/^[^:]+:\d+$/.test(host) || /^\[.*\]:\d+$/.test(host)) return host;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function newClient(cfg: CassConfig, contactPoints: readonly string[], keyspace?: string): cassandra.Client {
  return new cassandra.Client({
    contactPoints: contactPoints.map((h) => endpoint(h, cfg.port)),
    localDataCenter: cfg.localDatacenter,
    ...(keyspace ? { keyspace } : {}),
    // No token/schema metadata sync: every DDL would otherwise trigger a metadata refresh per client.
    isMetadataSyncEnabled: false,
    // The driver itself also waits for schema agreement after each DDL response (up to this long).
    protocolOptions: { port: cfg.port, maxVersion: 4, maxSchemaAgreementWaitSeconds: Math.ceil(cfg.consensusTimeoutMs / 1000) },
    socketOptions: { connectTimeout: cfg.timeoutMs, readTimeout: Math.max(cfg.timeoutMs, 12_000) },
    // One connection per host is plenty for a stand-in node; Kong's default pool is small too.
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 1 } },
  });
}

const ANY_ADDRESS = new Set(["0.0.0.0", "::"]);

/**
 * The hosts lua-cassandra's `refresh` finds, in its order (peers, then the local node): each row's
 * rpc_address; a wildcard rpc_address stands for the contact point it asked (local row) or the row's
 * `peer` column; a peer without rpc_address is ignored.
 */
export function advertisedHosts(localRpcAddress: string | null, peers: readonly { peer: string | null; rpcAddress: string | null }[], contactPoint: string): string[] {
  const hosts: string[] = [];
  for (const p of peers) {
    if (p.rpcAddress === null) continue;
    const host = ANY_ADDRESS.has(p.rpcAddress) ? p.peer : p.rpcAddress;
    if (host !== null) hosts.push(host);
  }
  hosts.push(localRpcAddress === null || ANY_ADDRESS.has(localRpcAddress) ? contactPoint : localRpcAddress);
  return hosts;
}

/** `<address>:<port>` as the driver names a host, without the port. */
const withoutPort = (endpoint: string): string => endpoint.replace(/^\[(.*)\]:\d+$/, "$1").replace(/:\d+$/, "");

/** The socket error texts of OpenResty's cosockets and LuaSocket, which lua-cassandra passes on. */
function socketError(x: { code?: string; message?: string } | undefined): string {
  switch (x?.code) {
    case "ECONNREFUSED": return "connection refused";
    case "EHOSTUNREACH": return "no route to host";
    case "ENETUNREACH": return "network is unreachable";
    case "ECONNRESET": return "connection reset by peer";
    case "ENOTFOUND": case "EAI_AGAIN": return "host not found";
    default: return /timed? ?out/i.test(x?.message ?? "") || x?.code === "ETIMEDOUT" ? "timeout" : x?.message ?? "closed";
  }
}

/**
 * lua-cassandra's wording for a host it could not use: a failed connect marks the host down
 * (`check_peer_health`), anything else is the request's own error; the hosts are joined into
 * `no_host_available_error`'s `all hosts tried for query failed. <host>: <reason>`.
 */
export function cassMessage(e: unknown, cfg?: CassConfig): string {
  if (e instanceof LuaCassandraError) return e.message;
  const err = e as { name?: string; message?: string; innerErrors?: Record<string, { name?: string; code?: string; message?: string }> };
  if (err.name === "NoHostAvailableError") {
    const inner = Object.entries(err.innerErrors ?? {});
    const reason = (x?: { name?: string; code?: string; message?: string }): string =>
      x?.name === "OperationTimedOutError" ? "timeout" : `host seems unhealthy, considering it down (${socketError(x)})`;
    const hosts = inner.length > 0 ? inner.map(([h, x]) => `${withoutPort(h)}: ${reason(x)}`)
      : (cfg?.contactPoints ?? []).map((h) => `${h}: ${reason({ code: "ECONNREFUSED" })}`);
    return ["all hosts tried for query failed", ...hosts].join(". ");
  }
  if (/timed? ?out/i.test(err.message ?? "")) return "timeout";
  return err.message ?? String(e);
}

/** A driver error already in lua-cassandra's words (what Kong's connector returns as `err`). */
export class LuaCassandraError extends Error {
  override name = "LuaCassandraError";
}

const inLuaWords = (e: unknown): LuaCassandraError => (e instanceof LuaCassandraError ? e : new LuaCassandraError(cassMessage(e), { cause: e }));

/** Kong's Cassandra DAO errors read `[cassandra] <message>`. */
export class CassStrategyError extends Error {
  override name = "CassStrategyError";
  constructor(cause: unknown) {
    super(`[cassandra] ${cassMessage(cause)}`, { cause });
  }
}

/**
 * Statements Kong runs on its `connect_migrations` connection (a contact point): DDL and schema_meta.
 * A migration's other statements run there too in Kong; here they take the cluster's route, which
 * changes nothing observable: every command takes the migration lock through the cluster first.
 */
const onContactPoint = (cql: string): boolean => /^\s*(CREATE|ALTER|DROP)\b/i.test(cql) || /\bschema_meta\b/i.test(cql);

export class CassConnection {
  /** The contact points, without a keyspace: system tables, CREATE/DROP KEYSPACE. */
  readonly system: cassandra.Client;
  private atContactPoint: Promise<cassandra.Client> | undefined;
  private viaCluster: Promise<cassandra.Client> | undefined;
  private closed = false;

  constructor(readonly cfg: CassConfig) {
    this.system = newClient(cfg, cfg.contactPoints);
  }

  get keyspace(): string { return this.cfg.keyspace; }

  /** The keyspace-bound client on the contact points; fails when the keyspace does not exist yet. */
  ks(): Promise<cassandra.Client> {
    this.atContactPoint ??= this.bind(this.cfg.contactPoints).catch((e: unknown) => { this.atContactPoint = undefined; throw e; });
    return this.atContactPoint;
  }

  /**
   * The keyspace-bound client on the hosts Cassandra advertises (lua-cassandra's refresh, then its
   * load-balancing policy). The contact points' client when they are the same host.
   */
  cluster(): Promise<cassandra.Client> {
    this.viaCluster ??= (async () => {
      const { hosts, contacted } = await this.refresh();
      if (hosts.length === 1 && withoutPort(contacted) === hosts[0] && Number(/:(\d+)$/.exec(contacted)?.[1]) === this.cfg.port) return this.ks();
      return this.bind(hosts);
    })().catch((e: unknown) => { this.viaCluster = undefined; throw inLuaWords(e); });
    return this.viaCluster;
  }

  /** lua-cassandra's `refresh`: system.local and system.peers, read through a contact point. */
  private async refresh(): Promise<{ hosts: string[]; contacted: string }> {
    const local = await this.system.execute("SELECT data_center, rpc_address, release_version FROM system.local");
    const contacted = local.info.queriedHost;
    const peers = await this.system.execute("SELECT peer, data_center, rpc_address, release_version FROM system.peers");
    const address = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
    const hosts = advertisedHosts(address(local.first()?.get("rpc_address")),
      peers.rows.map((r) => ({ peer: address(r.get("peer")), rpcAddress: address(r.get("rpc_address")) })), withoutPort(contacted));
    return { hosts, contacted };
  }

  private async bind(contactPoints: readonly string[]): Promise<cassandra.Client> {
    const c = newClient(this.cfg, contactPoints, this.cfg.keyspace);
    try {
      await c.connect();
      return c;
    } catch (e) {
      await c.shutdown().catch(() => undefined);
      throw e;
    }
  }

  /** A statement in the keyspace (prepared: the driver then encodes values from the table metadata). */
  async execute(cql: string, params: Params = [], opts: cassandra.QueryOptions = {}): Promise<cassandra.types.ResultSet> {
    const c = onContactPoint(cql) ? await this.ks() : await this.cluster();
    return c.execute(cql, params as unknown[], { prepare: params.length > 0, ...opts })
      .catch((e: unknown) => { throw (e as { name?: string }).name === "NoHostAvailableError" ? inLuaWords(e) : e; });
  }

  /** DDL: unprepared, then wait for schema agreement like Kong's wait_for_schema_consensus. */
  async ddl(cql: string, client?: cassandra.Client): Promise<void> {
    const c = client ?? (await this.ks());
    await c.execute(cql);
    await this.waitForSchemaAgreement(c);
  }

  async waitForSchemaAgreement(client?: cassandra.Client): Promise<void> {
    const c = client ?? this.system;
    const deadline = Date.now() + this.cfg.consensusTimeoutMs;
    while (!(await (c.metadata as unknown as WithAgreement).checkSchemaAgreement().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`failed to wait for schema consensus: timeout after ${this.cfg.consensusTimeoutMs}ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async keyspaceExists(): Promise<boolean> {
    const r = await this.system.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", [this.keyspace], { prepare: true });
    return r.rowLength > 0;
  }

  async tableExists(table: string): Promise<boolean> {
    const r = await this.system.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
      [this.keyspace, table], { prepare: true });
    return r.rowLength > 0;
  }

  /** After DROP KEYSPACE the bound clients point at nothing; the next use reconnects. */
  async unbind(): Promise<void> {
    const bound = [this.atContactPoint, this.viaCluster];
    this.atContactPoint = undefined;
    this.viaCluster = undefined;
    const clients = new Set(await Promise.all(bound.map((b) => b?.catch(() => undefined))));
    for (const c of clients) await c?.shutdown().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.unbind();
    await this.system.shutdown().catch(() => undefined);
  }
}
