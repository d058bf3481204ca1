// What Kong 2.x answers a probe on a route, predicted from the plugins that apply, in the order
// they run (PRIORITY in each plugin's handler at 2.5.1): cors 2000 (a preflight ends there),
// the authentication plugins 1005..1000, ip-restriction 990, request-size-limiting 951, acl 950,
// rate-limiting 901, then the upstream. A prediction only: the baseline learns each probe's real
// answer from the old cluster; only probes whose answer varies (rate limiting) keep it.
import type { AppliedPlugin, PluginScope } from "./applied-plugins.ts";
import type { ConfigEntity } from "./model.ts";
import { AUTH_PLUGINS, type Consumers } from "./probe-credentials.ts";

/** A credential a probe carries: whose, or null for one no consumer holds. */
export interface Presented {
  readonly kind: string;
  readonly consumer: string | null;
}

export interface Attempt {
  readonly method: string;
  readonly presented: readonly Presented[];
  readonly bodyBytes?: number;
  /** A CORS preflight (OPTIONS with Access-Control-Request-Method). */
  readonly preflight?: boolean;
}

export interface Outcome {
  readonly status: number;
  /** The plugin that answered, or "upstream". */
  readonly by: string;
  readonly fromUpstream: boolean;
  /** The consumer the request ran as when it got there. */
  readonly consumer?: string;
  /** The rate-limiting instance the request passed through: its answer may be 429 instead. */
  readonly rateLimit?: AppliedPlugin;
  /** ip-restriction applied: the answer depends on the probe's source address. */
  readonly addressDependent?: boolean;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { bytes: 1, kilobytes: 1024, megabytes: 1048576 };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** request-size-limiting's limit in bytes (allowed_payload_size in `size_unit`, megabytes before size_unit existed). */
export function payloadLimitBytes(config: Readonly<Record<string, unknown>>): number {
  const size = typeof config.allowed_payload_size === "number" ? config.allowed_payload_size : 128;
  return size * (SIZE_UNITS[String(config.size_unit ?? "megabytes")] ?? SIZE_UNITS.megabytes!);
}

interface AuthState { consumer?: string; credential: boolean }

export class PluginChain {
  /** The authentication plugins on the route, in the order they run. */
  readonly auth: readonly AppliedPlugin[];

  constructor(private readonly scope: PluginScope, private readonly consumers: Consumers, private readonly route: ConfigEntity) {
    this.auth = Object.keys(AUTH_PLUGINS)
      .map((name) => scope.resolve(name, route))
      .filter((p): p is AppliedPlugin => p !== undefined)
      .sort((a, b) => AUTH_PLUGINS[b.name]!.priority - AUTH_PLUGINS[a.name]!.priority);
  }

  plugin(name: string, consumer?: string): AppliedPlugin | undefined {
    return this.scope.resolve(name, this.route, consumer);
  }

  run(a: Attempt): Outcome {
    const cors = this.plugin("cors");
    if (a.preflight && cors && cors.config.preflight_continue !== true) return { status: 200, by: "cors", fromUpstream: false };
    const state = this.authenticate(a);
    if ("status" in state) return state;
    const { consumer } = state;
    const ip = this.plugin("ip-restriction", consumer);
    // An unknown client: an allow list refuses it, a deny list lets it through (the baseline decides).
    if (ip && strings(ip.config.allow ?? ip.config.whitelist).length > 0) return { status: 403, by: "ip-restriction", fromUpstream: false, addressDependent: true, ...(consumer ? { consumer } : {}) };
    const size = this.plugin("request-size-limiting", consumer);
    if (size && a.bodyBytes !== undefined && a.bodyBytes > payloadLimitBytes(size.config)) return { status: 413, by: "request-size-limiting", fromUpstream: false, ...(consumer ? { consumer } : {}) };
    const acl = this.aclRefusal(state);
    if (acl !== undefined) return { status: acl, by: "acl", fromUpstream: false, ...(consumer ? { consumer } : {}) };
    const rateLimit = this.plugin("rate-limiting", consumer);
    return { status: 200, by: "upstream", fromUpstream: true, ...(consumer ? { consumer } : {}), ...(rateLimit ? { rateLimit } : {}), ...(ip ? { addressDependent: true } : {}) };
  }

  /**
   * Each authentication plugin in turn: one configured with `anonymous` is skipped once a credential
   * authenticated the request (Kong's "logical OR"); otherwise it needs its own credential, falls
   * back to the anonymous consumer, or answers 401.
   */
  private authenticate(a: Attempt): AuthState | Outcome {
    const state: AuthState = { credential: false };
    for (const p of this.auth) {
      if (a.method === "OPTIONS" && p.config.run_on_preflight === false) continue;
      const anonymous = typeof p.config.anonymous === "string" && p.config.anonymous !== "" ? p.config.anonymous : undefined;
      if (anonymous !== undefined && state.credential) continue;
      const mine = a.presented.find((x) => x.kind === p.name);
      if (mine && mine.consumer !== null) {
        state.consumer = mine.consumer;
        state.credential = true;
      } else if (anonymous !== undefined) {
        state.consumer = this.consumers.byReference(anonymous);
        state.credential = false;
      } else {
        return { status: 401, by: p.name, fromUpstream: false };
      }
    }
    return state;
  }

  /** acl (kong/plugins/acl/handler.lua): 401 without a consumer, 403 when its groups are not allowed; undefined when it lets the request through. */
  private aclRefusal(state: AuthState): number | undefined {
    const acl = this.plugin("acl");
    if (!acl) return undefined;
    const refused = state.credential ? 403 : 401;
    if (state.consumer === undefined) return refused;
    const deny = strings(acl.config.deny ?? acl.config.blacklist);
    const groups = this.consumers.groups(state.consumer);
    if (deny.length > 0) return groups.some((g) => deny.includes(g)) ? 403 : undefined;
    if (groups.length === 0) return refused;
    const allow = strings(acl.config.allow ?? acl.config.whitelist);
    return groups.some((g) => allow.includes(g)) ? undefined : 403;
  }
}
