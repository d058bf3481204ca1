// schema_meta, locks and migration `up` text on Cassandra, as kong/db/strategies/cassandra/connector.lua
// does them: the keyspace is created by bootstrap (SimpleStrategy, replication factor 1), schema_meta
// has set<text> executed/pending, the lock is a lightweight transaction with a TTL, and a migration's
// CQL is split on `;` with "column already exists / not found" errors ignored (re-runnable).
import cassandra from "cassandra-driver";
import type { MigrationStore, SchemaMetaRow } from "../types.ts";
import type { CassConnection } from "./connection.ts";
import { cassMessage } from "./connection.ts";
import { luaCassandraError, runFunction } from "./functions.ts";

const LOCK_KEY = "migrations";
const SCHEMA_META_KEY = "schema_meta";
/** DEFAULT_LOCKS_TTL in kong/db/init.lua: the locks table's default_time_to_live. */
const DEFAULT_LOCKS_TTL_S = 60;
const { consistencies } = cassandra.types;

/** The errors Kong's run_up_migration logs as warnings and skips. */
const IGNORED = [
  /Column .* was not found in table/, /[Ii]nvalid column name/, /[Uu]ndefined column name/,
  /No column definition found for column/, /Undefined name .* in selection clause/, /Column with name .* already exists/,
];

/** Kong's `pl_stringx.split(up_cql, ";")` + strip. */
export function splitCql(text: string): string[] {
  return text.split(";").map((s) => s.trim()).filter((s) => s !== "" && !/^(--[^\n]*\n?\s*)+$/.test(s + "\n"));
}

export class CassMigrationStore implements MigrationStore {
  constructor(private readonly conn: CassConnection, private readonly warn: (msg: string) => void = () => undefined) {}

  async needsBootstrap(): Promise<boolean> {
    return !(await this.conn.keyspaceExists()) || !(await this.conn.tableExists("schema_meta"));
  }

  async schemaMeta(): Promise<Map<string, SchemaMetaRow> | null> {
    if (await this.needsBootstrap()) return null;
    const res = await this.conn.execute("SELECT subsystem, last_executed, executed, pending FROM schema_meta WHERE key = ?", [SCHEMA_META_KEY]);
    return new Map(res.rows.map((r) => [String(r.subsystem), {
      subsystem: String(r.subsystem), lastExecuted: (r.last_executed as string | null) ?? null,
      executed: (r.executed as string[] | null) ?? [], pending: (r.pending as string[] | null) ?? [],
    }]));
  }

  /** schema_bootstrap: the keyspace, schema_meta and locks, then schema consensus. */
  async createMetaTables(): Promise<void> {
    const ks = this.conn.keyspace;
    await this.conn.system.execute(`CREATE KEYSPACE IF NOT EXISTS "${ks}" WITH REPLICATION = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await this.conn.waitForSchemaAgreement();
    await this.conn.execute(`CREATE TABLE IF NOT EXISTS schema_meta(key text, subsystem text, last_executed text, executed set<text>,
      pending set<text>, PRIMARY KEY (key, subsystem))`);
    await this.conn.execute(`CREATE TABLE IF NOT EXISTS locks(key text PRIMARY KEY, owner text) WITH default_time_to_live = ${DEFAULT_LOCKS_TTL_S}`);
    await this.conn.waitForSchemaAgreement();
  }

  async recordExecuted(subsystem: string, name: string): Promise<void> {
    await this.conn.execute("UPDATE schema_meta SET last_executed = ?, executed = executed + ? WHERE key = ? AND subsystem = ?",
      [name, [name], SCHEMA_META_KEY, subsystem]);
  }

  async recordPending(subsystem: string, name: string): Promise<void> {
    await this.conn.execute("UPDATE schema_meta SET pending = pending + ? WHERE key = ? AND subsystem = ?", [[name], SCHEMA_META_KEY, subsystem]);
  }

  async recordTeardownDone(subsystem: string, name: string): Promise<void> {
    await this.conn.execute("UPDATE schema_meta SET pending = pending - ?, executed = executed + ?, last_executed = ? WHERE key = ? AND subsystem = ?",
      [[name], [name], name, SCHEMA_META_KEY, subsystem]);
  }

  /**
   * Each `;`-separated statement runs on its own (no transaction on Cassandra). A statement starting
   * with `@` names one of the Lua functions Kong's Cassandra migrations use (up_f / teardown), see
   * functions.ts. Schema consensus is awaited after the DDL, as Kong does.
   */
  async runUp(text: string, migration = ""): Promise<void> {
    let ddl = false;
    for (const stmt of splitCql(text)) {
      if (stmt.startsWith("@")) {
        await runFunction(this.conn, stmt, this.warn).catch((e: unknown) => { throw new Error(cassMessage(e), { cause: e }); });
        continue;
      }
      const isDdl = /^(CREATE|ALTER|DROP)\b/i.test(stmt);
      try {
        await this.conn.execute(stmt);
        ddl ||= isDdl;
      } catch (e) {
        const msg = cassMessage(e);
        if (!IGNORED.some((re) => re.test(msg))) throw new Error(msg, { cause: e });
        this.warn(`ignored error while running '${migration}' migration: ${luaCassandraError(e)} (${stmt.replace(/\s+/g, " ")})`);
      }
    }
    if (ddl) await this.conn.waitForSchemaAgreement();
  }

  /** schema_reset: DROP KEYSPACE (Kong logs `dropped '<keyspace>' keyspace`). */
  async reset(): Promise<void> {
    await this.conn.system.execute(`DROP KEYSPACE IF EXISTS "${this.conn.keyspace}"`);
    await this.conn.waitForSchemaAgreement();
    await this.conn.unbind();
  }

  /** insert_lock: `INSERT … IF NOT EXISTS USING TTL` at QUORUM; held iff applied. */
  async tryLock(owner: string, ttlS: number): Promise<boolean> {
    const res = await this.conn.execute(`INSERT INTO locks(key, owner) VALUES(?, ?) IF NOT EXISTS USING TTL ${Math.max(1, Math.round(ttlS))}`,
      [LOCK_KEY, owner], { consistency: consistencies.quorum });
    return res.wasApplied();
  }

  /** read_lock: a SERIAL read, so an in-flight lightweight transaction is seen. */
  async lockHeld(): Promise<boolean> {
    const res = await this.conn.execute("SELECT * FROM locks WHERE key = ?", [LOCK_KEY], { consistency: consistencies.serial });
    return res.rowLength > 0;
  }

  async unlock(owner: string): Promise<void> {
    await this.conn.execute("DELETE FROM locks WHERE key = ? IF owner = ?", [LOCK_KEY, owner], { consistency: consistencies.quorum });
  }
}
