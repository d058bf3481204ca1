// PostgreSQL as Kong's shared datastore: a container on the scenario's network, plus direct reads of
// schema_meta and the schema, so checks never take Kong's word for the datastore's state.
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import pg from "pg";
import type { StartedNetwork } from "testcontainers";
import type { SchemaMetaRow, Snapshot, TableSnapshot } from "../checks/index.ts";
import type { PgAuth } from "./postgres-auth.ts";
import type { DatastoreEndpoint, StartedDatastore } from "./types.ts";

export const POSTGRES_ALIAS = "kong-database";

const sqlLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * What makes a container of the official postgres image ask for `auth`, set when it starts: the
 * server's password_encryption (the entrypoint also writes it as the method of pg_hba.conf's
 * network line), POSTGRES_HOST_AUTH_METHOD, and for md5 an init script that stores the user's
 * password again under md5 (initdb stores it as SCRAM, which md5 in pg_hba.conf would still ask for).
 */
export function postgresAuthSetup(auth: PgAuth, user: string, password: string): {
  readonly args: readonly string[]; readonly environment: Readonly<Record<string, string>>; readonly files: readonly { content: string; target: string }[];
} {
  const files = auth === "md5"
    ? [{ target: "/docker-entrypoint-initdb.d/00-md5-password.sql", content: `SET password_encryption = 'md5';\nALTER ROLE ${sqlIdent(user)} PASSWORD ${sqlLiteral(password)};\n` }]
    : [];
  return { args: ["-c", `password_encryption=${auth}`], environment: { POSTGRES_HOST_AUTH_METHOD: auth }, files };
}

/** Applies postgresAuthSetup to a container not yet started (its command: `postgres` plus `args`). */
export function withPostgresAuth<C extends PostgreSqlContainer>(container: C, auth: PgAuth, credentials: { user: string; password: string }, args: readonly string[] = []): C {
  const setup = postgresAuthSetup(auth, credentials.user, credentials.password);
  container.withCommand(["postgres", ...args, ...setup.args]).withEnvironment({ ...setup.environment });
  if (setup.files.length) container.withCopyContentToContainer([...setup.files]);
  return container;
}

export class PostgresDatastore {
  private user = "kong";
  private password = "kong";
  private database = "kong";
  /** md5 unless told: every Kong version can log in with it (see postgres-auth.ts). */
  private auth: PgAuth = "md5";

  constructor(private readonly image: string) {}

  withCredentials(user: string, password: string, database: string): this {
    Object.assign(this, { user, password, database });
    return this;
  }

  /** The password authentication the server asks for. */
  withAuth(auth: PgAuth): this {
    this.auth = auth;
    return this;
  }

  async start(network: StartedNetwork): Promise<StartedPostgresDatastore> {
    const container = await withPostgresAuth(new PostgreSqlContainer(this.image)
      .withUsername(this.user).withPassword(this.password).withDatabase(this.database)
      .withNetwork(network).withNetworkAliases(POSTGRES_ALIAS), this.auth, { user: this.user, password: this.password }, ["-c", "max_connections=300", "-c", "fsync=off"])
      .start();
    return new StartedPostgresDatastore(container, this.image, network, this.user, this.password, this.database, this.auth);
  }
}

export class StartedPostgresDatastore implements StartedDatastore {
  readonly strategy = "postgres" as const;

  constructor(
    readonly container: StartedPostgreSqlContainer, readonly image: string, readonly network: StartedNetwork,
    private readonly user: string, private readonly password: string, readonly database: string,
    /** The password authentication the server asks for (report.json records it). */
    readonly auth: PgAuth = "md5",
  ) {}

  kongEnv(via: DatastoreEndpoint = this.endpoint()): Record<string, string> {
    return {
      KONG_DATABASE: "postgres", KONG_PG_HOST: via.host, KONG_PG_PORT: String(via.port),
      KONG_PG_USER: this.user, KONG_PG_PASSWORD: this.password, KONG_PG_DATABASE: this.database,
    };
  }

  /** A connection from the host; the mapped port is read at each call, as it changes on restart. */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ host: this.container.getHost(), port: this.container.getPort(), user: this.user, password: this.password, database: this.database });
    // A datastore restarted under a chaos schedule drops this connection: the pending query rejects
    // with the error, and without a listener the same error would also crash the process.
    client.on("error", () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  async schemaMeta(): Promise<SchemaMetaRow[] | null> {
    const [exists] = await this.query<{ t: string | null }>("SELECT to_regclass('schema_meta')::text AS t");
    if (!exists?.t) return null;
    const rows = await this.query<{ subsystem: string; last_executed: string | null; executed: string[] | null; pending: string[] | null }>(
      "SELECT subsystem, last_executed, executed, pending FROM schema_meta WHERE key = 'schema_meta' ORDER BY subsystem");
    return rows.map((r) => ({ key: "schema_meta", subsystem: r.subsystem, lastExecuted: r.last_executed, executed: r.executed ?? [], pending: r.pending ?? [] }));
  }

  async snapshot(): Promise<Snapshot> {
    const cols = await this.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`);
    const cons = await this.query<{ table_name: string; name: string; type: string; definition: string }>(
      `SELECT cl.relname AS table_name, c.conname AS name, c.contype::text AS type, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = current_schema() ORDER BY 1, 2`);
    const idx = await this.query<{ tablename: string; indexname: string; indexdef: string }>(
      "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2");
    type MutableTable = { columns: Record<string, TableSnapshot["columns"][string]>; constraints: TableSnapshot["constraints"][number][]; indexes: TableSnapshot["indexes"][number][] };
    const tables: Record<string, MutableTable> = {};
    const table = (name: string): MutableTable => (tables[name] ??= { columns: {}, constraints: [], indexes: [] });
    for (const c of cols) table(c.table_name).columns[c.column_name] = { type: c.data_type, nullable: c.is_nullable === "YES", default: c.column_default };
    for (const c of cons) table(c.table_name).constraints.push({ name: c.name, type: c.type, definition: c.definition });
    for (const i of idx) table(i.tablename).indexes.push({ name: i.indexname, definition: i.indexdef });
    const rowCounts: Record<string, number> = {};
    for (const name of Object.keys(tables)) {
      const [r] = await this.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${name.replace(/"/g, '""')}"`);
      rowCounts[name] = Number(r?.n ?? 0);
    }
    return { tables, rowCounts };
  }

  endpoint(): DatastoreEndpoint { return { host: POSTGRES_ALIAS, port: 5432 }; }

  /** Host ports change on restart; testcontainers re-reads them, and query() reads them per call. */
  async restart(): Promise<void> {
    await this.container.restart({ timeout: 10_000 });
  }

  async stop(): Promise<void> {
    await this.container.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
