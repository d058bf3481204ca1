// The Cassandra connection of a stand-in process (kong/db/strategies/cassandra/connector.lua): one
// client without a keyspace (system tables, CREATE/DROP KEYSPACE) and, once the keyspace exists, one
// bound to `cassandra_keyspace`. Kong 2.x's lua-cassandra speaks protocol v3/v4, so v4 is the ceiling.
import cassandra from "cassandra-driver";
import type { StandinConfig } from "../../config.ts";

type CassConfig = StandinConfig["cassandra"];
/** Present in cassandra-driver 4.x's Metadata, missing from its typings. */
type WithAgreement = { checkSchemaAgreement(): Promise<boolean> };
export type Params = readonly unknown[];

function newClient(cfg: CassConfig, keyspace?: string): cassandra.Client {
  return new cassandra.Client({
    contactPoints: cfg.contactPoints.map((h) => (h.includes(":") ? h : `${h}:${cfg.port}`)),
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

/** lua-cassandra's wording for a failed connection: `all hosts tried for query failed. <host>: <reason>`. */
export function cassMessage(e: unknown, cfg?: CassConfig): string {
  const err = e as { name?: string; message?: string; innerErrors?: Record<string, { code?: string; message?: string }> };
  if (err.name === "NoHostAvailableError") {
    const inner = Object.entries(err.innerErrors ?? {});
    const reason = (x?: { code?: string; message?: string }): string =>
      x?.code === "ECONNREFUSED" ? "connection refused" : /timed? ?out/i.test(x?.message ?? "") ? "timeout" : "host seems unhealthy, considering it down";
    const hosts = inner.length > 0 ? inner.map(([h, x]) => `${h.replace(/:\d+$/, "")}: ${reason(x)}`)
      : (cfg?.contactPoints ?? []).map((h) => `${h}: connection refused`);
    return `all hosts tried for query failed. ${hosts.join(", ")}`;
  }
  if (/timed? ?out/i.test(err.message ?? "")) return "timeout";
  return err.message ?? String(e);
}

/** Kong's Cassandra DAO errors read `[cassandra] <message>`. */
export class CassStrategyError extends Error {
  override name = "CassStrategyError";
  constructor(cause: unknown) {
    super(`[cassandra] ${cassMessage(cause)}`, { cause });
  }
}

export class CassConnection {
  readonly system: cassandra.Client;
  private bound: Promise<cassandra.Client> | undefined;
  private closed = false;

  constructor(readonly cfg: CassConfig) {
    this.system = newClient(cfg);
  }

  get keyspace(): string { return this.cfg.keyspace; }

  /** The keyspace-bound client; fails when the keyspace does not exist yet. */
  ks(): Promise<cassandra.Client> {
    this.bound ??= (async () => {
      const c = newClient(this.cfg, this.cfg.keyspace);
      try {
        await c.connect();
        return c;
      } catch (e) {
        this.bound = undefined;
        await c.shutdown().catch(() => undefined);
        throw e;
      }
    })();
    return this.bound;
  }

  /** A statement in the keyspace (prepared: the driver then encodes values from the table metadata). */
  async execute(cql: string, params: Params = [], opts: cassandra.QueryOptions = {}): Promise<cassandra.types.ResultSet> {
    const c = await this.ks();
    return c.execute(cql, params as unknown[], { prepare: params.length > 0, ...opts });
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

  /** After DROP KEYSPACE the bound client points at nothing; the next use reconnects. */
  async unbind(): Promise<void> {
    const b = this.bound;
    this.bound = undefined;
    if (b) await (await b.catch(() => undefined))?.shutdown().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.unbind();
    await this.system.shutdown().catch(() => undefined);
  }
}
