// schema_meta and locks on Postgres, with Kong's layout (kong/db/strategies/postgres/connector.lua):
// schema_meta (key, subsystem, last_executed, executed TEXT[], pending TEXT[]), locks (key, owner, ttl).
import type pg from "pg";
import type { MigrationStore, SchemaMetaRow } from "../types.ts";
import { isConnectionError, pgmoonMessage } from "./connection.ts";

const LOCK_KEY = "migrations";

interface MetaRow { subsystem: string; last_executed: string | null; executed: string[] | null; pending: string[] | null }

export class PgMigrationStore implements MigrationStore {
  constructor(private readonly pool: pg.Pool, private readonly schema: string | undefined, private readonly user: string) {}

  async needsBootstrap(): Promise<boolean> {
    const res = await this.pool.query<{ t: string | null }>(
      "SELECT to_regclass(quote_ident(COALESCE($1, current_schema())) || '.schema_meta')::text AS t", [this.schema ?? null]);
    return res.rows[0]?.t == null;
  }

  async schemaMeta(): Promise<Map<string, SchemaMetaRow> | null> {
    if (await this.needsBootstrap()) return null;
    const res = await this.pool.query<MetaRow>(`SELECT "subsystem", "last_executed", "executed", "pending" FROM "schema_meta" WHERE "key" = 'schema_meta'`);
    return new Map(res.rows.map((r) => [r.subsystem, {
      subsystem: r.subsystem, lastExecuted: r.last_executed, executed: r.executed ?? [], pending: r.pending ?? [],
    }]));
  }

  async createMetaTables(): Promise<void> {
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS "schema_meta" ("key" TEXT, "subsystem" TEXT, "last_executed" TEXT, "executed" TEXT[], "pending" TEXT[],
        PRIMARY KEY ("key", "subsystem"));
      CREATE TABLE IF NOT EXISTS "locks" ("key" TEXT PRIMARY KEY, "owner" TEXT, "ttl" TIMESTAMP WITH TIME ZONE);
      CREATE INDEX IF NOT EXISTS "locks_ttl_idx" ON "locks" ("ttl");`);
  }

  async recordExecuted(subsystem: string, name: string): Promise<void> {
    await this.pool.query(`
      INSERT INTO "schema_meta" ("key", "subsystem", "last_executed", "executed") VALUES ('schema_meta', $1, $2, ARRAY[$2])
      ON CONFLICT ("key", "subsystem") DO UPDATE
        SET "last_executed" = EXCLUDED."last_executed", "executed" = array_append(COALESCE("schema_meta"."executed", ARRAY[]::TEXT[]), $2)`,
    [subsystem, name]);
  }

  async recordPending(subsystem: string, name: string): Promise<void> {
    await this.pool.query(`
      INSERT INTO "schema_meta" ("key", "subsystem", "pending") VALUES ('schema_meta', $1, ARRAY[$2])
      ON CONFLICT ("key", "subsystem") DO UPDATE
        SET "pending" = array_append(COALESCE("schema_meta"."pending", ARRAY[]::TEXT[]), $2)`,
    [subsystem, name]);
  }

  async recordTeardownDone(subsystem: string, name: string): Promise<void> {
    await this.pool.query(`
      INSERT INTO "schema_meta" ("key", "subsystem", "last_executed", "executed") VALUES ('schema_meta', $1, $2, ARRAY[$2])
      ON CONFLICT ("key", "subsystem") DO UPDATE
        SET "last_executed" = EXCLUDED."last_executed",
            "executed" = array_append(COALESCE("schema_meta"."executed", ARRAY[]::TEXT[]), $2),
            "pending" = array_remove(COALESCE("schema_meta"."pending", ARRAY[]::TEXT[]), $2)`,
    [subsystem, name]);
  }

  /** Kong wraps a migration's Postgres `up` in BEGIN … COMMIT and sends it as one string. */
  async runUp(text: string): Promise<void> {
    if (text.trim() === "") return;
    const client = await this.pool.connect();
    // The pool listens for errors only on idle clients: a socket error while this one is checked
    // out must fail the migration, not crash the command with an unhandled 'error' event.
    let broken: unknown;
    const onError = (e: unknown): void => { broken ??= e; };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      await client.query(text);
      await client.query("COMMIT");
    } catch (e) {
      // pgmoon closes a socket that timed out or broke; the server rolls the transaction back.
      if (isConnectionError(e)) broken ??= e;
      else await client.query("ROLLBACK").catch(() => undefined);
      // The migration engine prints what pgmoon would have returned (`ERROR: …`, `timeout`).
      throw new Error(pgmoonMessage(e), { cause: e });
    } finally {
      client.off("error", onError);
      // A broken connection (or one still awaiting a timed-out reply) is closed, never reused.
      client.release(broken instanceof Error ? broken : broken === undefined ? undefined : new Error(String(broken)));
    }
  }

  async reset(): Promise<void> {
    const s = this.schema ?? (await this.pool.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]?.s ?? "public";
    await this.pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE; CREATE SCHEMA IF NOT EXISTS "${s}" AUTHORIZATION "${this.user}";
      GRANT ALL ON SCHEMA "${s}" TO "${this.user}";`);
  }

  /** Kong's insert_lock: purge expired rows, then insert unless present; held iff one row went in. */
  async tryLock(owner: string, ttlS: number): Promise<boolean> {
    // Two statements, as Kong sends them: a data-modifying CTE's delete is invisible to the insert.
    await this.pool.query(`DELETE FROM "locks" WHERE "ttl" < CURRENT_TIMESTAMP`);
    const res = await this.pool.query(`
      INSERT INTO "locks" ("key", "owner", "ttl") VALUES ($1, $2, CURRENT_TIMESTAMP + ($3 || ' seconds')::interval)
      ON CONFLICT DO NOTHING`, [LOCK_KEY, owner, String(ttlS)]);
    return res.rowCount === 1;
  }

  async lockHeld(): Promise<boolean> {
    const res = await this.pool.query(`SELECT 1 FROM "locks" WHERE "key" = $1 AND "ttl" >= CURRENT_TIMESTAMP`, [LOCK_KEY]);
    return (res.rowCount ?? 0) > 0;
  }

  async unlock(owner: string): Promise<void> {
    await this.pool.query(`DELETE FROM "locks" WHERE "key" = $1 AND "owner" = $2`, [LOCK_KEY, owner]);
  }
}
