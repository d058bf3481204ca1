// basic-auth (kong/plugins/basic-auth/access.lua): credentials from Proxy-Authorization, then
// Authorization (`Basic base64(username:password)`), the credential read through the node cache by
// username (`basicauth_credentials:<username>`) and the password checked against its stored
// sha1(password .. consumer_id). 401 `Unauthorized` with `WWW-Authenticate: Basic realm="kong"`
// without either header, 401 `Invalid authentication credentials` otherwise.
import { createHash } from "node:crypto";
import { atLeast } from "../../catalogue/entities.ts";
import type { Row } from "../../db/types.ts";
import type { ConfigField } from "./config-schema.ts";
import { authenticateOrAnonymous, loadConsumer, setConsumer, type CredentialHeaders } from "./consumers.ts";
import { CONSUMER_HEADERS, type Exit, type NodeDeps, type PluginHandler, type RequestContext } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";
import { errorExit } from "./response.ts";

export interface BasicAuthConfig { readonly anonymous: string | null; readonly hide_credentials: boolean }

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const BASIC_AUTH_FIELDS: readonly ConfigField[] = [
  // 1.5.1: `uuid = true, legacy = true` (an empty string passes as unset).
  { name: "anonymous", type: "string", until: "2.0.0", check: (v) => (v === "" || UUID_RE.test(String(v)) ? undefined : "expected a valid UUID") },
  { name: "anonymous", type: "string", since: "2.0.0" },
  { name: "hide_credentials", type: "boolean", default: false, requiredSince: "2.3.0" },
];

export const basicAuthSchema: PluginSchema = { fields: BASIC_AUTH_FIELDS, noConsumerSince: "0" };

export const BASIC_REALM = 'Basic realm="kong"';

/**
 * ngx.decode_base64: the characters before the first `=` must all be base64 and not leave a single
 * dangling character; anything else is not decodable (nil).
 */
export function ngxDecodeBase64(s: string): Buffer | null {
  const eq = s.indexOf("=");
  const data = eq < 0 ? s : s.slice(0, eq);
  if (!/^[A-Za-z0-9+/]*$/.test(data) || data.length % 4 === 1) return null;
  return Buffer.from(data, "base64");
}

/**
 * retrieve_credentials: the username and password of a `Basic` header value, as bytes (latin1
 * strings). `unrecognized`: it decoded to something without a `:`, where Lua returns early (before
 * hide_credentials clears the header).
 */
export function parseBasic(value: string | undefined): { username?: string; password?: string; unrecognized?: true } {
  if (value === undefined) return {};
  const m = /\s*[Bb]asic\s*(.+)/.exec(value);
  if (!m) return {};
  const decoded = ngxDecodeBase64(m[1]!);
  if (!decoded) return {};
  const parts = /([^:]+):(.*)/.exec(decoded.toString("latin1"));
  return parts ? { username: parts[1]!, password: parts[2]! } : { unrecognized: true };
}

/** crypto.lua over bytes: sha1(password .. consumer_id) in hex. */
export function passwordMatches(credential: Row, password: string): boolean {
  const digest = createHash("sha1").update(Buffer.from(password, "latin1")).update(String(credential.consumer_id)).digest("hex");
  return credential.password === digest;
}

/** The credential headers of set_consumer per version. */
export function basicAuthCredentialHeaders(version: string, credential: Row | null): CredentialHeaders {
  const username = credential && credential.username != null ? String(credential.username) : null;
  if (!atLeast(version, "2.1.0")) return { [CONSUMER_HEADERS.credentialUsername]: username };
  if (!atLeast(version, "3.0.0")) return { [CONSUMER_HEADERS.credentialIdentifier]: username, [CONSUMER_HEADERS.credentialUsername]: username };
  return { [CONSUMER_HEADERS.credentialIdentifier]: username };
}

const header = (ctx: RequestContext, name: string): string | undefined => {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function loadCredential(username: string, node: NodeDeps): Promise<Row | null> {
  const name = Buffer.from(username, "latin1").toString("utf8");
  return node.state.cache.get(node.state.key("basicauth_credentials", name), () => node.ds.entities.selectBy("basicauth_credentials", "username", name));
}

async function authenticate(conf: BasicAuthConfig, ctx: RequestContext, node: NodeDeps): Promise<Exit | undefined> {
  const v21 = atLeast(node.version, "2.1.0");
  if (header(ctx, "authorization") === undefined && header(ctx, "proxy-authorization") === undefined) {
    return errorExit(v21, 401, "Unauthorized", { "WWW-Authenticate": BASIC_REALM });
  }
  const retrieve = (name: string): { username?: string; password?: string } => {
    const got = parseBasic(header(ctx, name));
    if (conf.hide_credentials && !got.unrecognized) delete ctx.upstreamHeaders[name];
    return got;
  };
  let credential: Row | null = null;
  let given = retrieve("proxy-authorization");
  if (given.username !== undefined) credential = await loadCredential(given.username, node);
  if (!credential) {
    given = retrieve("authorization");
    if (given.username !== undefined) credential = await loadCredential(given.username, node);
  }
  if (!credential || !passwordMatches(credential, given.password ?? "")) return errorExit(v21, 401, "Invalid authentication credentials");
  const consumer = await loadConsumer(String(credential.consumer_id), node, false);
  setConsumer(ctx, node, consumer, credential, basicAuthCredentialHeaders(node.version, credential));
  return undefined;
}

/** basic-auth (PRIORITY 1001, 1100 from 3.0). */
export const basicAuthPlugin: PluginHandler<BasicAuthConfig> = {
  name: "basic-auth",
  priority: (version) => (atLeast(version, "3.0.0") ? 1100 : 1001),
  parse: (c) => ({ anonymous: typeof c.anonymous === "string" && c.anonymous !== "" ? c.anonymous : null, hide_credentials: c.hide_credentials === true }),
  access: (conf, ctx, node) => authenticateOrAnonymous(conf, ctx, node, () => authenticate(conf, ctx, node), basicAuthCredentialHeaders(node.version, null)),
};
