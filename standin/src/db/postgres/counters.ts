// CounterStore on rate-limiting's `ratelimiting_metrics` (policy `cluster`,
// kong/plugins/rate-limiting/policies/cluster.lua): one row per (identifier, period, period_date,
// service_id, route_id), incremented with an upsert. Absent service/route are stored as the nil UUID,
// as Kong does. 2.1+ also write `ttl` (rate-limiting 004_200_to_210 adds the column).
import type pg from "pg";
import type { CounterStore } from "../types.ts";

type Key = Parameters<CounterStore["get"]>[0];

const NIL_UUID = "00000000-0000-0000-0000-000000000000";
/** Seconds a counter row is kept, per period (Kong's EXPIRATION table). */
const EXPIRATION: Readonly<Record<string, number>> = {
  second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000,
};

export class PgCounterStore implements CounterStore {
  /** withTtl: the running version writes the `ttl` column (2.1+). */
  constructor(private readonly pool: pg.Pool, private readonly withTtl: boolean) {}

  async increment(key: Key, value: number): Promise<void> {
    const ttlCol = this.withTtl ? `, "ttl"` : "";
    const ttlVal = this.withTtl ? `, CURRENT_TIMESTAMP AT TIME ZONE 'UTC' + ($7 || ' second')::interval` : "";
    const params: unknown[] = [key.identifier, key.period, key.periodStartMs / 1000, key.serviceId ?? NIL_UUID, key.routeId ?? NIL_UUID, value];
    if (this.withTtl) params.push(String(EXPIRATION[key.period] ?? 60));
    await this.pool.query(
      `INSERT INTO "ratelimiting_metrics" ("identifier", "period", "period_date", "service_id", "route_id", "value"${ttlCol})
       VALUES ($1, $2, TO_TIMESTAMP($3) AT TIME ZONE 'UTC', $4, $5, $6${ttlVal})
       ON CONFLICT ("identifier", "period", "period_date", "service_id", "route_id") DO UPDATE
         SET "value" = "ratelimiting_metrics"."value" + EXCLUDED."value"`, params);
  }

  async get(key: Key): Promise<number> {
    const res = await this.pool.query<{ value: string | number }>(
      `SELECT "value" FROM "ratelimiting_metrics"
        WHERE "identifier" = $1 AND "period" = $2 AND "period_date" = TO_TIMESTAMP($3) AT TIME ZONE 'UTC'
          AND "service_id" = $4 AND "route_id" = $5`,
      [key.identifier, key.period, key.periodStartMs / 1000, key.serviceId ?? NIL_UUID, key.routeId ?? NIL_UUID]);
    return res.rows.length === 0 ? 0 : Number(res.rows[0]!.value);
  }
}
