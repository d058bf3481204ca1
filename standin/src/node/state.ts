// Everything a node has cached from the datastore and how it is invalidated: the router and the
// plugins iterator (rebuilt when their version key is invalidated: on the next request in 2.x
// `strict` mode, by a 5 s background timer in 3.x `eventual` mode), and single entities cached by
// their cache key in the version's format until invalidated.
import { atLeast } from "../catalogue/entities.ts";
import type { Datastore, EntityTable, Row } from "../db/types.ts";
import type { Faults } from "../faults.ts";
import { NodeCache } from "./cache.ts";
import {
  CHANNEL_INVALIDATIONS, CHANNEL_TARGETS, CHANNEL_UPSTREAMS, PLUGINS_VERSION_KEY, ROUTER_VERSION_KEY,
  cacheKeyFormat, pluginCacheKey, translatesPluginKeys, withoutWorkspace, type CacheKeyFn,
} from "./cache-keys.ts";
import type { ClusterEvents } from "./cluster-events.ts";
import { log } from "./log.ts";
import { PluginsIterator } from "./plugins-iterator.ts";
import { Router } from "./proxy/router.ts";

const WORKER_STATE_UPDATE_FREQUENCY_MS = 5000;

export class NodeState {
  readonly cache = new NodeCache();
  readonly key: CacheKeyFn;
  router: Router = new Router([], [], "0");
  plugins: PluginsIterator;
  private routerStale = true;
  private pluginsStale = true;
  private rebuilding: Promise<void> | undefined;
  private readonly eventual: boolean;
  private timer: NodeJS.Timeout | undefined;
  private balancerGen = 0;
  /** `kong.default_workspace` as init read it (2.1+). */
  private defaultWorkspace: string | null | undefined;
  /** Once 009_200_to_210 is seen executed, plugins.lua replaces its translator for good. */
  private translatorRetired: boolean;

  constructor(
    readonly version: string, private readonly ds: Datastore, readonly wsId: string | null,
    private readonly enabledPlugins: readonly string[], private readonly faults: Faults, private readonly events: ClusterEvents,
  ) {
    this.key = cacheKeyFormat(version, wsId);
    this.eventual = atLeast(version, "3.0.0");
    this.translatorRetired = !translatesPluginKeys(version);
    this.plugins = PluginsIterator.build([], enabledPlugins, { version: "0" }) as PluginsIterator;
    this.cache.onInvalidate(ROUTER_VERSION_KEY, () => { this.routerStale = true; });
    this.cache.onInvalidate(PLUGINS_VERSION_KEY, () => { this.pluginsStale = true; });
    events.on(CHANNEL_INVALIDATIONS, (data) => this.cache.invalidate(data));
    events.on(CHANNEL_UPSTREAMS, () => { this.balancerGen++; });
    events.on(CHANNEL_TARGETS, () => { this.balancerGen++; });
  }

  get balancerGeneration(): number { return this.balancerGen; }

  /** The initial build of Kong.init: a plugin in use but not enabled fails the start. */
  async init(): Promise<void> {
    const [routes, services] = await Promise.all([this.ds.entities.all("routes"), this.ds.entities.all("services")]);
    this.router = new Router(routes, services, this.version);
    this.routerStale = false;
    if (atLeast(this.version, "2.1.0")) this.defaultWorkspace = await this.ds.entities.defaultWorkspaceId();
    const it = await this.buildPlugins();
    if ("error" in it) throw new Error(`error building initial plugins: ${it.error}`);
    this.plugins = it;
    this.pluginsStale = false;
    if (this.eventual) {
      this.timer = setInterval(() => { void this.rebuildIfStale(); }, WORKER_STATE_UPDATE_FREQUENCY_MS);
      this.timer.unref();
    }
  }

  /** Called before each proxied request: strict mode rebuilds synchronously when stale. */
  ready(): Promise<void> | undefined {
    if (this.eventual) return undefined;
    // Requests arriving during a rebuild wait for it too, never route with the old router.
    if (this.rebuilding) return this.rebuilding;
    if (!this.routerStale && !this.pluginsStale) return undefined;
    return this.rebuildIfStale();
  }

  private rebuildIfStale(): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    // Nothing to await below when nothing is stale: the async body would finish (clearing
    // `rebuilding`) before the assignment, leaving a settled promise that blocks every later rebuild.
    if (!this.routerStale && !this.pluginsStale) return Promise.resolve();
    this.rebuilding = (async () => {
      try {
        if (this.routerStale) await this.rebuildRouter();
        if (this.pluginsStale) await this.rebuildPlugins();
      } finally {
        this.rebuilding = undefined;
      }
    })();
    return this.rebuilding;
  }

  private async rebuildRouter(): Promise<void> {
    this.routerStale = false;
    try {
      const [routes, services] = await Promise.all([this.ds.entities.all("routes"), this.ds.entities.all("services")]);
      this.router = new Router(routes, services, this.version);
    } catch (e) {
      this.routerStale = true;
      log("error", `could not rebuild router: ${(e as Error).message}`);
    }
  }

  private async rebuildPlugins(): Promise<void> {
    this.pluginsStale = false;
    try {
      const it = await this.buildPlugins();
      if ("error" in it) log("error", `could not rebuild plugins iterator: ${it.error}`);
      else this.plugins = it;
    } catch (e) {
      this.pluginsStale = true;
      log("error", `could not rebuild plugins iterator: ${(e as Error).message}`);
    }
  }

  private async buildPlugins(): Promise<PluginsIterator | { error: string }> {
    const { rows, loadable } = await this.loadablePlugins();
    return PluginsIterator.build(rows, this.enabledPlugins, {
      version: this.version, ...(this.defaultWorkspace !== undefined ? { defaultWorkspace: this.defaultWorkspace } : {}), ...(loadable ? { loadable } : {}),
    });
  }

  /**
   * The plugin rows, and which of them load_configuration can read (cache-keys.ts
   * translatesPluginKeys): while core's 009_200_to_210 is pending, only rows whose cache_key is in
   * 2.0's format, so a plugin written by a 2.1+ node before `finish` is listed but never applied.
   * schema_meta is read on each build until the migration is executed, as plugins.lua does on each
   * cache miss; a build that straddles `finish` reads the rows again.
   */
  private async loadablePlugins(): Promise<{ rows: Row[]; loadable?: (row: Row) => boolean }> {
    if (this.translatorRetired) return { rows: await this.ds.entities.all("plugins") };
    const executed = async (): Promise<boolean> => (await this.ds.migrations.schemaMeta())?.get("core")?.executed.includes("009_200_to_210") ?? false;
    const before = await executed();
    let rows = await this.ds.entities.all("plugins");
    if (before || await executed()) {
      if (!before) rows = await this.ds.entities.all("plugins");
      this.translatorRetired = true;
      return { rows };
    }
    return { rows, loadable: (r) => r.cache_key === withoutWorkspace(pluginCacheKey(this.key, r)) };
  }

  /** Cache keys an Admin API write touches, as Kong's crud handler computes them. */
  keysFor(table: EntityTable, row: Row): string[] {
    const id = String(row.id);
    switch (table) {
      case "services": case "routes": return [this.key(table, id), ROUTER_VERSION_KEY];
      case "plugins": return [pluginCacheKey(this.key, row), this.key("plugins", id), PLUGINS_VERSION_KEY];
      case "keyauth_credentials": return [this.key(table, String(row.key)), this.key(table, id)];
      // Credentials are cached by their cache_key field (daos.lua): basic-auth by username, jwt by key.
      case "basicauth_credentials": return [this.key(table, String(row.username)), this.key(table, id)];
      case "jwt_secrets": return [this.key(table, String(row.key)), this.key(table, id)];
      // acls.lua invalidates the consumer's group list; the DAO the entity's own (consumer, group) key.
      case "acls": return [this.key(table, String(row.consumer_id)), this.key(table, String(row.consumer_id), String(row.group)), this.key(table, id)];
      default: return [this.key(table, id)];
    }
  }

  /** Invalidates locally at once and tells the other nodes through cluster_events. */
  async afterWrite(table: EntityTable, op: "create" | "update" | "delete", rows: ReadonlyArray<Row | null>): Promise<void> {
    const keys = new Set<string>();
    for (const r of rows) if (r) for (const k of this.keysFor(table, r)) keys.add(k);
    for (const k of keys) this.cache.invalidate(k);
    if (table === "upstreams" || table === "targets") this.balancerGen++;
    // Fault `lost-invalidation`: the entity keys of the broadcast carry a format no peer recognises,
    // as Kong 2.1's cache-key change did (`<table>:<key>::::` became `<table>:<key>:::::<ws_id>`,
    // kong/db/dao/init.lua `cache_key`). The version keys have no entity fields and crossed that
    // change unchanged, so peers still rebuild their router and plugins iterator.
    const mangle = this.faults.active("lost-invalidation", table) !== undefined;
    const lost = (k: string): boolean => mangle && k !== ROUTER_VERSION_KEY && k !== PLUGINS_VERSION_KEY;
    const sends: Promise<void>[] = [];
    for (const k of keys) sends.push(this.events.broadcast(CHANNEL_INVALIDATIONS, lost(k) ? `${k}:lost` : k));
    const last = rows[rows.length - 1] ?? rows[0];
    if (table === "upstreams" && last) sends.push(this.events.broadcast(CHANNEL_UPSTREAMS, `${op}:${String(last.id)}:${String(last.name)}`));
    if (table === "targets" && last) sends.push(this.events.broadcast(CHANNEL_TARGETS, `${op}:${String(last.upstream_id)}:`));
    await Promise.all(sends);
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }
}
