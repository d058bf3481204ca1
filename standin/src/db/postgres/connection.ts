// The Postgres connection of a stand-in process, and the translation of driver errors into the
// strings Kong's pgmoon-based connector prints.
import pg from "pg";
import type { StandinConfig } from "../../config.ts";

// timestamptz as Date, numeric/bigint as JS numbers: the entity layer converts explicitly anyway.
pg.types.setTypeParser(20, (v) => Number(v));

/** `queryTimeoutMs`: a reply that does not come in time fails the query (pgmoon's socket timeout, `kong migrations --db-timeout`). */
export function createPool(cfg: StandinConfig["pg"], max = 10, queryTimeoutMs?: number): pg.Pool {
  const pool = new pg.Pool({
    host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password, database: cfg.database,
    max, connectionTimeoutMillis: cfg.timeoutMs, idleTimeoutMillis: 10_000,
    ...(queryTimeoutMs ? { query_timeout: queryTimeoutMs } : {}),
    // Kong sets the search_path to pg_schema when one is configured.
    ...(cfg.schema ? { options: `-c search_path=${cfg.schema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  return pool;
}

/** Errors of the connection itself (not of a statement), as Kong reports them at connect time. */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ETIMEDOUT" || code === "ECONNRESET" ||
    code === "28P01" || code === "3D000" || (e instanceof Error && /timeout|Connection terminated/i.test(e.message));
}

/** pgmoon's view of a failure: `connection refused`, `timeout`, or the server's `ERROR: …` text. */
export function pgmoonMessage(e: unknown): string {
  const err = e as { code?: string; message?: string; severity?: string };
  if (err.code === "ECONNREFUSED") return "connection refused";
  if (err.code === "ENOTFOUND" || err.code === "EAI_AGAIN") return "no resolver defined to resolve the host";
  if (err.code === "ETIMEDOUT" || /timeout/i.test(err.message ?? "")) return "timeout";
  if (err.code === "ECONNRESET" || /Connection terminated/i.test(err.message ?? "")) return "closed";
  if (err.severity) return `${err.severity}: ${err.message ?? ""}`;
  return err.message ?? String(e);
}

/** Wraps a driver error the way Kong's Postgres strategy does for DAO reads: `[postgres] ERROR: …`. */
export class PgStrategyError extends Error {
  override name = "PgStrategyError";
  constructor(cause: unknown) {
    super(`[postgres] ${pgmoonMessage(cause)}`, { cause });
  }
}
