// key-auth (kong/plugins/key-auth/handler.lua, 2.x): the key comes from a header or the query string
// named by config.key_names; credentials and consumers are read through the node cache, keyed by
// the credential's key in the version's cache-key format, so a miss is cached until invalidated.
import type { IncomingMessage } from "node:http";
import type { Row } from "../../db/types.ts";
import type { NodeState } from "../state.ts";
import type { Datastore } from "../../db/types.ts";
import { atLeast } from "../../catalogue/entities.ts";
import { COLD_READ_KEY_PREFIX, MIGRATION_FAULTS } from "../../migrations/faults.ts";
import type { ConfigField } from "./config-schema.ts";
import type { NodeDeps, PluginHandler } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";

export interface KeyAuthConfig {
  readonly key_names: readonly string[];
  readonly hide_credentials: boolean;
  readonly anonymous: string | null;
  readonly key_in_header: boolean;
  readonly key_in_query: boolean;
  readonly run_on_preflight: boolean;
}

export type AuthOutcome =
  | { readonly kind: "ok"; readonly consumer: Row | null; readonly credential: Row | null; readonly strip: { header?: string; query?: string } }
  | { readonly kind: "deny"; readonly status: number; readonly message: string; readonly headers?: Record<string, string> };

const DENY_NO_KEY = { kind: "deny", status: 401, message: "No API key found in request", headers: { "WWW-Authenticate": 'Key realm="kong"' } } as const;
const DENY_INVALID = { kind: "deny", status: 401, message: "Invalid authentication credentials" } as const;

export function keyAuthConfig(raw: Record<string, unknown>): KeyAuthConfig {
  return {
    key_names: Array.isArray(raw.key_names) ? (raw.key_names as string[]) : ["apikey"],
    hide_credentials: raw.hide_credentials === true,
    anonymous: typeof raw.anonymous === "string" && raw.anonymous !== "" ? raw.anonymous : null,
    key_in_header: raw.key_in_header !== false,
    key_in_query: raw.key_in_query !== false,
    run_on_preflight: raw.run_on_preflight !== false,
  };
}

function findKey(conf: KeyAuthConfig, req: IncomingMessage, query: URLSearchParams | null): { key: string | string[]; header?: string; query?: string } | null {
  for (const name of conf.key_names) {
    const h = conf.key_in_header ? req.headers[name.toLowerCase()] : undefined;
    if (h !== undefined) return { key: h, header: name.toLowerCase() };
    if (conf.key_in_query && query) {
      const all = query.getAll(name);
      if (all.length > 0) return { key: all.length === 1 ? all[0]! : all, query: name };
    }
  }
  return null;
}

/**
 * `storedForms`: the forms a key may be stored in, tried in order. A node with the switch
 * up-damages-cold-reads also reads the form that switch's `up` writes (it is the "new format").
 */
export async function keyAuth(conf: KeyAuthConfig, req: IncomingMessage, query: URLSearchParams | null, state: NodeState, ds: Datastore,
  storedForms: (key: string) => readonly string[] = (key) => [key]): Promise<AuthOutcome> {
  if (req.method === "OPTIONS" && !conf.run_on_preflight) return { kind: "ok", consumer: null, credential: null, strip: {} };
  const found = findKey(conf, req, query);
  const anonymous = async (deny: AuthOutcome): Promise<AuthOutcome> => {
    if (conf.anonymous === null) return deny;
    const consumer = await loadConsumer(conf.anonymous, state, ds);
    return consumer ? { kind: "ok", consumer, credential: null, strip: {} } : { kind: "deny", status: 500, message: "An unexpected error occurred" };
  };
  if (!found || found.key === "") return anonymous(DENY_NO_KEY);
  if (Array.isArray(found.key)) return { kind: "deny", status: 401, message: "Duplicate API key found" };
  const key = found.key;
  const credential = await state.cache.get(state.key("keyauth_credentials", key), async () => {
    for (const stored of storedForms(key)) {
      const row = await ds.entities.selectBy("keyauth_credentials", "key", stored);
      if (row) return row;
    }
    return null;
  });
  if (!credential) return anonymous(DENY_INVALID);
  const consumer = await loadConsumer(String(credential.consumer_id), state, ds);
  const strip = conf.hide_credentials ? { ...(found.header ? { header: found.header } : {}), ...(found.query ? { query: found.query } : {}) } : {};
  return { kind: "ok", consumer, credential, strip };
}

export function loadConsumer(id: string, state: NodeState, ds: Datastore): Promise<Row | null> {
  return state.cache.get(state.key("consumers", id), () => ds.entities.select("consumers", id));
}

/**
 * key-auth's set_consumer (handler.lua): the X-Consumer-* headers, set or cleared. 2.1.0 replaced
 * X-Credential-Username (a key-auth credential has no username, so it was always cleared) with
 * X-Credential-Identifier, the credential's id (@2.1.0 handler.lua:52-58, @2.0.5 :52-63).
 */
export function setConsumerHeaders(version: string, headers: Record<string, string | string[]>, consumer: Row | null, credential: Row | null): void {
  const set = (name: string, v: unknown): void => {
    if (v != null) headers[name] = String(v);
    else delete headers[name];
  };
  set("x-consumer-id", consumer?.id);
  set("x-consumer-custom-id", consumer?.custom_id);
  set("x-consumer-username", consumer?.username);
  if (atLeast(version, "2.1.0")) {
    set("x-credential-identifier", credential?.id);
    delete headers["x-credential-username"];
  } else {
    set("x-credential-username", credential?.username);
  }
  set("x-anonymous-consumer", credential ? null : "true");
}

const KEY_AUTH_FIELDS: readonly ConfigField[] = [
  { name: "key_names", default: ["apikey"], required: true },
  { name: "hide_credentials", default: false, required: true },
  { name: "anonymous", default: null },
  // 2.3.0 made key lookups in headers and the query string switchable.
  { name: "key_in_header", default: true, required: true, since: "2.3.0" },
  { name: "key_in_query", default: true, required: true, since: "2.3.0" },
  { name: "key_in_body", default: false, required: true },
  { name: "run_on_preflight", default: true, required: true },
];

/** key-auth's schema.lua (its fields untyped here: the stand-in has always taken them as given). */
export const keyAuthSchema: PluginSchema = { fields: KEY_AUTH_FIELDS, noConsumerSince: "0" };

/**
 * Fault switches that leave authentication unenforced (standin/README.md): auth-bypass-until-finish
 * while this version has pending migrations, old-after-finish-open once a newer version migrated.
 */
export function authBypassed(node: NodeDeps): boolean {
  return (node.faults.active("auth-bypass-until-finish", "plugins") !== undefined && node.migrations.current.pending.length > 0)
    || (node.faults.active("old-after-finish-open", "plugins") !== undefined && node.migrations.current.newerExecuted);
}

/** Fault upstream-consumer-headers-dropped: the upstream never learns who the consumer is. */
export const consumerHeadersDropped = (node: NodeDeps): boolean => node.faults.active("upstream-consumer-headers-dropped", "plugins") !== undefined;

/** key-auth in the pipeline (handler.lua PRIORITY 1003, 1250 from 3.0). */
export const keyAuthPlugin: PluginHandler<KeyAuthConfig> = {
  name: "key-auth",
  priority: (version) => (atLeast(version, "3.0.0") ? 1250 : 1003),
  parse: (config) => keyAuthConfig(config),
  async access(conf, ctx, node) {
    // Several authentication plugins with `anonymous` are a logical OR: one that already authenticated suffices.
    if (conf.anonymous !== null && ctx.credential !== null) return undefined;
    if (authBypassed(node)) return undefined;
    const coldReads = node.faults.active(MIGRATION_FAULTS.damagesColdReads) !== undefined;
    const out = await keyAuth(conf, ctx.req, ctx.query, node.state, node.ds, coldReads ? (key) => [`${COLD_READ_KEY_PREFIX}${key}`, key] : undefined);
    if (out.kind === "deny") return { status: out.status, form: "exit", message: out.message, ...(out.headers ? { headers: out.headers } : {}) };
    if (out.consumer || out.credential) {
      ctx.consumer = out.consumer;
      ctx.credential = out.credential;
      if (!consumerHeadersDropped(node)) setConsumerHeaders(node.version, ctx.upstreamHeaders, out.consumer, out.credential);
    }
    if (out.strip.header) delete ctx.upstreamHeaders[out.strip.header];
    if (out.strip.query && ctx.query) ctx.query.delete(out.strip.query);
    return undefined;
  },
};
