// The plugins iterator (kong/runloop/plugins_iterator.lua), reduced to what the stand-in runs: for a
// plugin name, the enabled configuration that applies most specifically to (route, service, consumer).
import type { Row } from "../db/types.ts";

export class PluginsIterator {
  private readonly byName = new Map<string, Row[]>();

  /** Fails like Kong when a plugin row names a plugin this node does not enable. */
  static build(rows: readonly Row[], enabled: readonly string[]): PluginsIterator | { error: string } {
    const allowed = new Set(enabled);
    for (const r of rows) {
      if (!allowed.has(String(r.name))) return { error: `${String(r.name)} plugin is in use but not enabled` };
    }
    return new PluginsIterator(rows.filter((r) => r.enabled !== false));
  }

  private constructor(rows: readonly Row[]) {
    for (const r of rows) {
      const l = this.byName.get(String(r.name)) ?? [];
      l.push(r);
      this.byName.set(String(r.name), l);
    }
  }

  has(name: string): boolean { return this.byName.has(name); }

  get names(): string[] { return [...this.byName.keys()]; }

  /** Kong's precedence: route+service+consumer > route+consumer > service+consumer > consumer > route+service > route > service > global. */
  lookup(name: string, routeId: string | null, serviceId: string | null, consumerId: string | null): Row | null {
    const rows = this.byName.get(name);
    if (!rows) return null;
    let best: Row | null = null;
    let bestScore = -1;
    for (const r of rows) {
      const rr = r.route_id ?? null, rs = r.service_id ?? null, rc = r.consumer_id ?? null;
      if ((rr !== null && rr !== routeId) || (rs !== null && rs !== serviceId) || (rc !== null && rc !== consumerId)) continue;
      // consumer outranks route, which outranks service.
      const score = (rc !== null ? 4 : 0) + (rr !== null ? 2 : 0) + (rs !== null ? 1 : 0);
      if (score > bestScore) { best = r; bestScore = score; }
    }
    return best;
  }
}
