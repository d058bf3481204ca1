// EventStore on Kong's Cassandra `cluster_events` (kong/cluster_events/strategies/cassandra.lua):
// PRIMARY KEY (channel, at, node_id, id), default_time_to_live 86400. Rows are written with the
// server's clock (`toTimestamp(now())`) and a TTL, and read one channel partition at a time with a
// range on `at`: Kong polls exactly the channels it subscribed to.
import { randomUUID } from "node:crypto";
import type { ClusterEvent, EventStore } from "../types.ts";
import type { CassConnection } from "./connection.ts";

/** The channels Kong's runloop subscribes to, polled when the caller names none. */
const KONG_CHANNELS = ["invalidations", "balancer:upstreams", "balancer:targets"];

export class CassEventStore implements EventStore {
  constructor(private readonly conn: CassConnection) {}

  async insert(event: Omit<ClusterEvent, "id" | "atMs"> & { expireAfterS: number }): Promise<void> {
    await this.conn.execute(
      `INSERT INTO cluster_events(channel, node_id, id, at, nbf, data) VALUES(?, ?, ?, toTimestamp(now()), ?, ?) USING TTL ${Math.max(1, Math.round(event.expireAfterS))}`,
      [event.channel, event.nodeId, randomUUID(), event.nbfMs === null ? null : new Date(event.nbfMs), event.data]);
  }

  async since(sinceMs: number, channels: readonly string[] = KONG_CHANNELS): Promise<ClusterEvent[]> {
    const now = new Date(await this.nowMs());
    const out: ClusterEvent[] = [];
    for (const channel of channels) {
      const rs = await this.conn.execute("SELECT channel, at, node_id, id, data, nbf FROM cluster_events WHERE channel = ? AND at >= ? AND at <= ?",
        [channel, new Date(sinceMs), now]);
      for (const r of rs.rows) {
        out.push({
          id: String(r.id), nodeId: String(r.node_id), atMs: (r.at as Date).getTime(),
          nbfMs: r.nbf ? (r.nbf as Date).getTime() : null, channel: String(r.channel), data: String(r.data),
        });
      }
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }

  async nowMs(): Promise<number> {
    const rs = await this.conn.system.execute("SELECT toUnixTimestamp(now()) AS t FROM system.local");
    return Number(String(rs.first().get("t")));
  }
}
