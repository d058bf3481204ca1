// Which instance of a plugin runs on a request, as Kong 2.x's plugins iterator picks it
// (kong/runloop/plugins_iterator.lua, database mode): of the enabled instances whose route, service
// and consumer fit, the most specific one: route+service+consumer, route+consumer,
// service+consumer, route+service, consumer, route, service, global. A disabled instance
// (`enabled: false`) is skipped, and the next less specific one applies.
import { ofKind, type ConfigEntity, type KongConfig } from "./model.ts";

export interface AppliedPlugin {
  /** The plugin's entity key. */
  readonly key: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** The consumer it is scoped to, if any. */
  readonly consumer?: string;
}

/** Precedence of each (route, service, consumer) combination; higher wins. */
const RANK: Readonly<Record<string, number>> = { rsc: 7, rc: 6, sc: 5, rs: 4, c: 3, r: 2, s: 1, "": 0 };

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export class PluginScope {
  private readonly byName = new Map<string, ConfigEntity[]>();

  constructor(config: KongConfig) {
    for (const p of ofKind(config, "plugins")) {
      if (p.fields.enabled === false) continue;
      const name = String(p.fields.name);
      this.byName.set(name, [...(this.byName.get(name) ?? []), p]);
    }
  }

  /** The instance of `name` that runs on `route` for `consumer` (none: the request has no consumer yet, or the plugin ignores consumers). */
  resolve(name: string, route: ConfigEntity, consumer?: string): AppliedPlugin | undefined {
    let best: ConfigEntity | undefined;
    let bestRank = -1;
    for (const p of this.byName.get(name) ?? []) {
      if ((p.route !== undefined && p.route !== route.key) || (p.consumer !== undefined && p.consumer !== consumer)) continue;
      if (p.service !== undefined && p.service !== route.service) continue;
      const combo = `${p.route !== undefined ? "r" : ""}${p.service !== undefined ? "s" : ""}${p.consumer !== undefined ? "c" : ""}`;
      const rank = RANK[combo] ?? -1;
      if (rank > bestRank) { best = p; bestRank = rank; }
    }
    if (!best) return undefined;
    return { key: best.key, name, config: asRecord(best.fields.config), ...(best.consumer !== undefined ? { consumer: best.consumer } : {}) };
  }

  /** Names of the plugins with an enabled instance that can run on the route for some request (any consumer). */
  namesOn(route: ConfigEntity): string[] {
    return [...this.byName.entries()]
      .filter(([, ps]) => ps.some((p) => (p.route === undefined || p.route === route.key) && (p.service === undefined || p.service === route.service)))
      .map(([name]) => name).sort();
  }

  /** Whether some enabled instance of `name` on this route is scoped to a consumer (its effect then depends on who calls). */
  consumerScoped(name: string, route: ConfigEntity): boolean {
    return (this.byName.get(name) ?? []).some((p) => p.consumer !== undefined && (p.route === undefined || p.route === route.key) && (p.service === undefined || p.service === route.service));
  }
}
