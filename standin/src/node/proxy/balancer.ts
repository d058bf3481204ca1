// Upstream entities as Kong's balancer uses them: a service whose host names an upstream is sent to
// that upstream's targets in weighted round-robin; otherwise to host:port directly. Upstreams and
// targets are reloaded when the node's balancer generation moves (local writes, balancer:* events).
import type { Datastore, Row } from "../../db/types.ts";
import type { NodeState } from "../state.ts";

interface Ring { readonly gen: number; readonly upstream: Row | null; readonly peers: ReadonlyArray<{ host: string; port: number }>; next: number }

export class Balancer {
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly state: NodeState, private readonly ds: Datastore) {}

  /** The peer for a service host, or null when the upstream exists but has no usable target. */
  async peer(host: string, port: number): Promise<{ host: string; port: number } | null> {
    let ring = this.rings.get(host);
    if (!ring || ring.gen !== this.state.balancerGeneration) {
      ring = await this.load(host);
      this.rings.set(host, ring);
    }
    if (!ring.upstream) return { host, port };
    if (ring.peers.length === 0) return null;
    const p = ring.peers[ring.next % ring.peers.length]!;
    ring.next++;
    return p;
  }

  private async load(host: string): Promise<Ring> {
    const gen = this.state.balancerGeneration;
    const upstream = await this.ds.entities.selectBy("upstreams", "name", host);
    if (!upstream) return { gen, upstream: null, peers: [], next: 0 };
    const targets = await this.ds.entities.page("targets", { size: 1000, where: { upstream_id: upstream.id } });
    // Kong 2.x keeps only the newest row per target address; weight 0 disables it.
    const latest = new Map<string, Row>();
    for (const t of targets.rows.sort((a, b) => Number(a.created_at) - Number(b.created_at))) latest.set(String(t.target), t);
    const peers: Array<{ host: string; port: number }> = [];
    for (const t of latest.values()) {
      const [h, p] = String(t.target).split(":");
      const weight = Number(t.weight ?? 100);
      // Weighted round-robin, coarsely: one ring slot per 100 weight (at least one).
      for (let i = 0; i < Math.max(weight > 0 ? 1 : 0, Math.round(weight / 100)); i++) peers.push({ host: h!, port: Number(p ?? 8000) });
    }
    return { gen, upstream, peers, next: 0 };
  }
}
