// The Postgres connection of a stand-in process, and the translation of driver errors into the
// strings Kong's pgmoon-based connector prints.
import { connect as connectTcp } from "node:net";
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

/**
 * An error pgmoon raises with Lua's `error()` rather than returns: Kong's connector has no pcall
 * around it, so it reaches the top: `kong` prints `message` (its handler strips the Lua position),
 * nginx's init_by_lua prints `luaError` (with the position).
 */
export class PgmoonRaisedError extends Error {
  override name = "PgmoonRaisedError";
  constructor(message: string, readonly luaError: string) {
    super(message);
  }
}

/** Where pgmoon 1.10.0 to 1.12.0 raise it (pgmoon/init.lua, installed by luarocks; line 256 in all three). */
const PGMOON_AUTH_ERROR_AT = "/usr/local/share/lua/5.1/pgmoon/init.lua:256";

/** Authentication request codes pgmoon answers: 0 ok (trust), 3 cleartext, 5 md5; (SASL, SCRAM-SHA-256: 10) only from pgmoon 1.13.0. */
const PGMOON_AUTH = [0, 3, 5];

/**
 * The code of the first Authentication message the server sends after a StartupMessage (the
 * message pgmoon's `auth` reads), or undefined when the server answers otherwise (an error such
 * as a missing pg_hba.conf entry) or cannot be reached: the connection then fails as it would anyway.
 */
export function requestedAuthentication(cfg: Pick<StandinConfig["pg"], "host" | "port" | "user" | "database" | "timeoutMs">): Promise<number | undefined> {
  return new Promise((resolve) => {
    const params = Buffer.from(`user\0${cfg.user}\0database\0${cfg.database}\0\0`);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4); // protocol 3.0
    const socket = connectTcp({ host: cfg.host, port: cfg.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const done = (code: number | undefined): void => {
      if (settled) return;
      settled = true;
      socket.end();
      resolve(code);
    };
    socket.setTimeout(cfg.timeoutMs, () => { done(undefined); socket.destroy(); });
    socket.on("error", () => done(undefined));
    socket.on("close", () => done(undefined));
    socket.on("connect", () => socket.write(Buffer.concat([startup, params])));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 9) return;
      done(received[0] === 0x52 /* 'R' */ ? received.readInt32BE(5) : undefined);
    });
  });
}

/**
 * Kong before 2.7.0 (pgmoon < 1.13.0) meets a server that asks for SASL (SCRAM-SHA-256, the
 * default password storage of Postgres 14+) with `error("don't know how to auth: 10")`; later Kong
 * speaks SCRAM. Resolves when the version's client can log in as far as the authentication method goes.
 */
export async function refuseUnspokenAuthentication(cfg: StandinConfig["pg"], speaksScram: boolean): Promise<void> {
  if (speaksScram) return;
  const code = await requestedAuthentication(cfg);
  if (code === undefined || PGMOON_AUTH.includes(code)) return;
  const message = `don't know how to auth: ${code}`;
  throw new PgmoonRaisedError(message, `${PGMOON_AUTH_ERROR_AT}: ${message}`);
}
