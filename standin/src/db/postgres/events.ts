// EventStore on Kong's `cluster_events` table (kong/cluster_events/strategies/postgres.lua):
// id uuid, node_id uuid, at/nbf/expire_at timestamptz, channel text, data text. The table and its
// expiry trigger are created by the core base migration.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { ClusterEvent, EventStore } from "../types.ts";

interface EventRow { id: string; node_id: string; at: Date; nbf: Date | null; channel: string; data: string }

export class PgEventStore implements EventStore {
  constructor(private readonly pool: pg.Pool) {}

  async insert(event: Omit<ClusterEvent, "id" | "atMs"> & { expireAfterS: number }): Promise<void> {
    // Kong takes `at` from the database clock (NOW()), so nodes' local clocks never matter.
    await this.pool.query(
      `INSERT INTO cluster_events (id, node_id, at, nbf, expire_at, channel, data)
       VALUES ($1, $2, CURRENT_TIMESTAMP,
               CASE WHEN $3::double precision IS NULL THEN NULL ELSE to_timestamp($3::double precision / 1000) END,
               CURRENT_TIMESTAMP + ($4 || ' second')::interval, $5, $6)`,
      [randomUUID(), event.nodeId, event.nbfMs, String(event.expireAfterS), event.channel, event.data]);
  }

  async since(sinceMs: number): Promise<ClusterEvent[]> {
    const res = await this.pool.query<EventRow>(
      `SELECT id, node_id, at, nbf, channel, data FROM cluster_events
        WHERE at >= to_timestamp($1::double precision / 1000) AND at <= CURRENT_TIMESTAMP
          AND (expire_at IS NULL OR expire_at > CURRENT_TIMESTAMP)
        ORDER BY at`, [sinceMs]);
    return res.rows.map((r) => ({
      id: r.id, nodeId: r.node_id, atMs: r.at.getTime(), nbfMs: r.nbf ? r.nbf.getTime() : null, channel: r.channel, data: r.data,
    }));
  }

  async nowMs(): Promise<number> {
    const res = await this.pool.query<{ now: Date }>("SELECT CURRENT_TIMESTAMP AS now");
    return res.rows[0]!.now.getTime();
  }
}
