// The plugins iterator (kong/runloop/plugins_iterator.lua), reduced to what the stand-in runs: for a
// plugin name, the enabled configuration that applies most specifically to (route, service, consumer).
import { atLeast } from "../catalogue/entities.ts";
import type { Row } from "../db/types.ts";
import { LUA_PREFIX } from "../cli/log.ts";

/** An error Lua raises (not returns) in init_by_lua: nginx prints it with its own traceback. */
export class LuaRaisedError extends Error {
  override name = "LuaRaisedError";
  constructor(message: string, readonly traceback: string) {
    super(message);
  }
}

/**
 * Where `local ws = { [ws_id] = new_ws_data() }` sits in PluginsIterator.new, and the calls above it
 * (runloop/handler.lua build_plugins_iterator, init.lua Kong.init), per tag.
 */
const WS_INDEX_LINES: Readonly<Record<string, readonly [iterator: number, handler: number, init: number]>> = {
  "2.1.4": [378, 488, 497], "2.2.2": [383, 491, 481], "2.3.3": [387, 502, 507], "2.4.1": [388, 511, 519], "2.5.1": [388, 525, 532],
  "2.6.0": [388, 526, 531], "2.7.2": [438, 552, 558], "2.8.5": [438, 586, 560], "3.0.1": [434, 488, 583],
};

/**
 * 2.1+: PluginsIterator.new indexes its per-workspace table by `kong.default_workspace`, which
 * Kong.init reads with `workspaces:select_by_name("default")`. With no such row, the index is nil and
 * Lua raises `table index is nil`: on Cassandra the default workspace is created by 009_200_to_210's
 * teardown (operations/200_to_210.lua cassandra_ensure_default_ws), so a 2.1+ node cannot start
 * between `up` and `finish` after 2.0. (On Postgres, `up` inserts it.)
 */
function workspaceIndexError(version: string): LuaRaisedError {
  const [iterator, handler, init] = WS_INDEX_LINES[version] ?? WS_INDEX_LINES["2.6.0"]!;
  const at = `${LUA_PREFIX}/runloop/plugins_iterator.lua:${iterator}`;
  return new LuaRaisedError(`${at}: table index is nil`, ["stack traceback:", `\t${at}: in function 'new'`,
    `\t${LUA_PREFIX}/runloop/handler.lua:${handler}: in function 'build_plugins_iterator'`,
    `\t${LUA_PREFIX}/init.lua:${init}: in function 'init'`, "\tinit_by_lua:3: in main chunk"].join("\n"));
}

export interface BuildOptions {
  /** The node's Kong version. */
  readonly version: string;
  /** 2.1+: `kong.default_workspace` as Kong.init read it (null: no default workspace row). */
  readonly defaultWorkspace?: string | null;
  /**
   * Whether load_configuration can read a row through `plugins:select_by_cache_key` (see
   * cache-keys.ts translatesPluginKeys); absent: every row. A row it cannot read is in the combos but
   * never applies, and the next less specific combination is tried, as in load_configuration_through_combos.
   */
  readonly loadable?: (row: Row) => boolean;
}

/** load_configuration_through_combos' order, most specific first (a higher rank wins). */
const COMBO_RANK: Readonly<Record<string, number>> = { rsc: 7, rc: 6, sc: 5, rs: 4, c: 3, r: 2, s: 1, "": 0 };

export class PluginsIterator {
  private readonly byName = new Map<string, Row[]>();

  /** Fails like Kong when a plugin row names a plugin this node does not enable; raises like 2.1+ without a default workspace. */
  static build(rows: readonly Row[], enabled: readonly string[], opts: BuildOptions): PluginsIterator | { error: string } {
    if (atLeast(opts.version, "2.1.0") && opts.defaultWorkspace === null) throw workspaceIndexError(opts.version);
    const allowed = new Set(enabled);
    for (const r of rows) {
      if (!allowed.has(String(r.name))) return { error: `${String(r.name)} plugin is in use but not enabled` };
    }
    const loadable = opts.loadable ?? (() => true);
    return new PluginsIterator(rows.filter((r) => r.enabled !== false && loadable(r)));
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

  /**
   * The configuration load_configuration_through_combos picks, in its order (the same from 1.5.1 to
   * 3.0.1): route+service+consumer, route+consumer, service+consumer, route+service, consumer, route,
   * service, global. `consumerId` is the consumer authenticated when the plugin's turn comes.
   */
  lookup(name: string, routeId: string | null, serviceId: string | null, consumerId: string | null): Row | null {
    const rows = this.byName.get(name);
    if (!rows) return null;
    let best: Row | null = null;
    let bestRank = -1;
    for (const r of rows) {
      const rr = r.route_id ?? null, rs = r.service_id ?? null, rc = r.consumer_id ?? null;
      if ((rr !== null && rr !== routeId) || (rs !== null && rs !== serviceId) || (rc !== null && rc !== consumerId)) continue;
      const rank = COMBO_RANK[`${rr !== null ? "r" : ""}${rs !== null ? "s" : ""}${rc !== null ? "c" : ""}`] ?? 0;
      if (rank > bestRank) { best = r; bestRank = rank; }
    }
    return best;
  }
}
