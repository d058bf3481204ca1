// CounterStore on rate-limiting's Cassandra `ratelimiting_metrics` (policies/cluster.lua, cassandra
// branch): a `counter` column keyed ((route_id, service_id, identifier, period_date, period)),
// incremented with `value = value + ?`. Absent service/route are the nil UUID, as in Kong.
import type { CounterStore } from "../types.ts";
import type { CassConnection } from "./connection.ts";

type Key = Parameters<CounterStore["get"]>[0];
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

const args = (k: Key): unknown[] => [k.routeId ?? NIL_UUID, k.serviceId ?? NIL_UUID, k.identifier, new Date(k.periodStartMs), k.period];

export class CassCounterStore implements CounterStore {
  constructor(private readonly conn: CassConnection) {}

  async increment(key: Key, value: number): Promise<void> {
    await this.conn.execute(`UPDATE ratelimiting_metrics SET value = value + ?
      WHERE route_id = ? AND service_id = ? AND identifier = ? AND period_date = ? AND period = ?`, [value, ...args(key)]);
  }

  async get(key: Key): Promise<number> {
    const rs = await this.conn.execute(`SELECT value FROM ratelimiting_metrics
      WHERE route_id = ? AND service_id = ? AND identifier = ? AND period_date = ? AND period = ?`, args(key));
    return rs.rowLength === 0 ? 0 : Number(String(rs.first().get("value")));
  }
}
