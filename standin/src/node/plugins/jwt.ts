// jwt (kong/plugins/jwt/handler.lua, jwt_parser.lua): the token from the query (uri_param_names),
// a cookie (cookie_names) or a `Bearer` header (header_names); its `key_claim_name` claim (or header
// field) names a jwt_secrets row, read through the node cache by key (`jwt_secrets:<key>`); the
// signature is checked with the secret (HS*) or the RSA/EC public key, then exp/nbf and the maximum
// expiration. Every refusal is 401 through kong.response.exit: `{"message": ...}`, or the table of
// claim errors (`{"exp":"token expired"}`). Algorithms per version: RS384 from 2.3, ES384 from 2.4.
import { createHmac, createPublicKey, timingSafeEqual, verify } from "node:crypto";
import { atLeast } from "../../catalogue/entities.ts";
import type { Row } from "../../db/types.ts";
import type { ConfigField } from "./config-schema.ts";
import { authenticateOrAnonymous, loadConsumer, setConsumer, type CredentialHeaders } from "./consumers.ts";
import { CONSUMER_HEADERS, type Exit, type NodeDeps, type PluginHandler, type RequestContext } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";

export interface JwtConfig {
  readonly uri_param_names: readonly string[];
  readonly cookie_names: readonly string[];
  readonly header_names: readonly string[];
  readonly key_claim_name: string;
  readonly secret_is_base64: boolean;
  readonly claims_to_verify: readonly string[];
  readonly anonymous: string | null;
  readonly run_on_preflight: boolean;
  readonly maximum_expiration: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const stringSet = (d: string[]): Omit<ConfigField, "name"> => ({ type: "set", elements: { type: "string" }, default: d });

export const JWT_FIELDS: readonly ConfigField[] = [
  { name: "uri_param_names", ...stringSet(["jwt"]) },
  { name: "cookie_names", ...stringSet([]) },
  { name: "key_claim_name", type: "string", default: "iss" },
  { name: "secret_is_base64", type: "boolean", default: false, requiredSince: "2.3.0" },
  { name: "claims_to_verify", type: "set", elements: { type: "string", oneOf: ["exp", "nbf"] } },
  { name: "anonymous", type: "string", until: "2.0.0", check: (v) => (v === "" || UUID_RE.test(String(v)) ? undefined : "expected a valid UUID") },
  { name: "anonymous", type: "string", since: "2.0.0" },
  { name: "run_on_preflight", type: "boolean", default: true, requiredSince: "2.3.0" },
  { name: "maximum_expiration", type: "number", default: 0, between: [0, 31536000] },
  { name: "header_names", ...stringSet(["authorization"]) },
];

export const jwtSchema: PluginSchema = { fields: JWT_FIELDS, noConsumerSince: "2.3.0" };

/** The algorithms jwt_parser.lua verifies, per version. */
export function verifiableAlgorithms(version: string): string[] {
  return ["HS256", "HS384", "HS512", "RS256", ...(atLeast(version, "2.3.0") ? ["RS384"] : []), "RS512", "ES256", ...(atLeast(version, "2.4.0") ? ["ES384"] : [])];
}

/** The parser's base64_decode: base64url, padded, then ngx.decode_base64 (nil when not decodable). */
export function b64urlDecode(input: string): Buffer | null {
  const padded = input + "=".repeat((4 - (input.length % 4)) % 4);
  const std = padded.replace(/-/g, "+").replace(/_/g, "/");
  const eq = std.indexOf("=");
  const data = eq < 0 ? std : std.slice(0, eq);
  if (!/^[A-Za-z0-9+/]*$/.test(data) || data.length % 4 === 1) return null;
  return Buffer.from(data, "base64");
}

export interface DecodedJwt {
  readonly header64: string; readonly claims64: string;
  readonly header: Record<string, unknown>; readonly claims: Record<string, unknown>; readonly signature: Buffer;
}

/** decode_token: the three parts, or the parser's error ("invalid JSON", "invalid alg", ...). */
export function decodeJwt(token: string, version: string): DecodedJwt | { error: string } {
  const first = token.indexOf(".");
  const second = first < 0 ? -1 : token.indexOf(".", first + 1);
  if (first < 0 || second < 0) return { error: "invalid JSON" };
  const header64 = token.slice(0, first), claims64 = token.slice(first + 1, second), signature64 = token.slice(second + 1);
  let header: unknown, claims: unknown;
  try {
    const h = b64urlDecode(header64), c = b64urlDecode(claims64);
    if (!h || !c) return { error: "invalid JSON" };
    header = JSON.parse(h.toString("utf8"));
    claims = JSON.parse(c.toString("utf8"));
  } catch {
    return { error: "invalid JSON" };
  }
  const alg = header !== null && typeof header === "object" ? (header as Record<string, unknown>).alg : undefined;
  if (typeof alg !== "string" || !verifiableAlgorithms(version).includes(alg)) return { error: "invalid alg" };
  if (claims === null || typeof claims !== "object") return { error: "invalid claims" };
  const signature = b64urlDecode(signature64);
  if (!signature) return { error: "invalid signature" };
  return { header64, claims64, header: header as Record<string, unknown>, claims: claims as Record<string, unknown>, signature };
}

/** alg_verify: whether the signature checks with `key`; a key OpenSSL cannot read raises (500). */
export function verifySignature(jwt: DecodedJwt, key: Buffer | string): boolean {
  const alg = String(jwt.header.alg);
  const data = Buffer.from(`${jwt.header64}.${jwt.claims64}`);
  const bits = alg.slice(2);
  if (alg.startsWith("HS")) {
    const mac = createHmac(`sha${bits}`, key).update(data).digest();
    return mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature);
  }
  let pkey;
  try {
    pkey = createPublicKey(key);
  } catch {
    throw new Error("Consumer Public Key is Invalid");
  }
  if (alg.startsWith("ES")) {
    const size = alg === "ES256" ? 64 : 96;
    if (jwt.signature.length !== size) throw new Error(`Signature must be ${size} bytes.`);
    return verify(`sha${bits}`, data, { key: pkey, dsaEncoding: "ieee-p1363" }, jwt.signature);
  }
  return verify(`sha${bits}`, data, pkey, jwt.signature);
}

/** verify_registered_claims and check_maximum_expiration: the claim errors, or undefined. */
export function claimErrors(jwt: DecodedJwt, conf: JwtConfig, nowS: number): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  for (const name of conf.claims_to_verify) {
    const v = jwt.claims[name];
    if (typeof v !== "number") errors[name] = "must be a number";
    else if (name === "nbf" && v > nowS) errors[name] = "token not valid yet";
    else if (name === "exp" && v <= nowS) errors[name] = "token expired";
  }
  if (Object.keys(errors).length > 0) return errors;
  if (conf.maximum_expiration > 0) {
    const exp = jwt.claims.exp;
    if (typeof exp !== "number" || exp - nowS > conf.maximum_expiration) return { exp: "exceeds maximum allowed expiration" };
  }
  return undefined;
}

/** kong.request.get_query's view of one argument: a value, true for a bare name, a list when repeated. */
function queryArg(ctx: RequestContext, name: string): string | true | string[] | undefined {
  const url = ctx.req.url ?? "";
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  const found: Array<string | true> = [];
  for (const part of url.slice(q + 1).split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " "));
    if (k === name) found.push(eq < 0 ? true : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " ")));
  }
  if (found.length === 0) return undefined;
  return found.length === 1 ? found[0]! : found.map(String);
}

function cookie(ctx: RequestContext, name: string): string | undefined {
  const raw = ctx.req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(/;\s*/)) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1);
  }
  return undefined;
}

/** retrieve_token: query, then cookies, then `Bearer` headers. */
export function retrieveToken(conf: JwtConfig, ctx: RequestContext): string | true | string[] | undefined {
  for (const name of conf.uri_param_names) {
    const v = queryArg(ctx, name);
    if (v !== undefined) return v;
  }
  for (const name of conf.cookie_names) {
    const v = cookie(ctx, name);
    if (v !== undefined && v !== "") return v;
  }
  for (const name of conf.header_names) {
    const raw = ctx.req.headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    const m = /\s*[Bb]earer\s+(.+)/.exec(value);
    if (m) return m[1]!;
  }
  return undefined;
}

/** The credential headers of set_consumer per version. */
export function jwtCredentialHeaders(version: string, credential: Row | null): CredentialHeaders {
  const key = credential && credential.key != null ? String(credential.key) : null;
  if (!atLeast(version, "2.0.0")) return { [CONSUMER_HEADERS.credentialUsername]: null };
  if (!atLeast(version, "2.1.0")) return { [CONSUMER_HEADERS.credentialIdentifier]: key };
  if (!atLeast(version, "3.0.0")) return { [CONSUMER_HEADERS.credentialIdentifier]: key, [CONSUMER_HEADERS.credentialUsername]: null };
  return { [CONSUMER_HEADERS.credentialIdentifier]: key };
}

const refuse = (body: Record<string, unknown>): Exit => ({ status: 401, form: "exit", body });

async function authenticate(conf: JwtConfig, ctx: RequestContext, node: NodeDeps): Promise<Exit | undefined> {
  const token = retrieveToken(conf, ctx);
  if (token === undefined) return refuse({ message: "Unauthorized" });
  if (Array.isArray(token)) return refuse({ message: "Multiple tokens provided" });
  if (typeof token !== "string") return refuse({ message: "Unrecognizable token" });
  const jwt = decodeJwt(token, node.version);
  if ("error" in jwt) return refuse({ message: `Bad token; ${jwt.error}` });
  const claim = conf.key_claim_name;
  const keyValue = jwt.claims[claim] ?? jwt.header[claim];
  if (keyValue === undefined || keyValue === null || keyValue === false) return refuse({ message: `No mandatory '${claim}' in claims` });
  if (keyValue === "") return refuse({ message: `Invalid '${claim}' in claims` });
  const key = String(keyValue);
  const secret = await node.state.cache.get(node.state.key("jwt_secrets", key), () => node.ds.entities.selectBy("jwt_secrets", "key", key));
  if (!secret) return refuse({ message: `No credentials found for given '${claim}'` });
  const algorithm = typeof secret.algorithm === "string" ? secret.algorithm : "HS256";
  if (jwt.header.alg !== algorithm) return refuse({ message: "Invalid algorithm" });
  const raw = algorithm.startsWith("HS") ? secret.secret : secret.rsa_public_key;
  const value: Buffer | string | null = typeof raw !== "string" ? null : conf.secret_is_base64 ? b64urlDecode(raw) : raw;
  if (value === null) return refuse({ message: "Invalid key/secret" });
  if (!verifySignature(jwt, value)) return refuse({ message: "Invalid signature" });
  const errors = claimErrors(jwt, conf, Math.floor(Date.now() / 1000));
  if (errors) return refuse(errors);
  const consumer = await loadConsumer(String(secret.consumer_id), node, true);
  if (!consumer) return refuse({ message: `Could not find consumer for '${claim}=${key}'` });
  setConsumer(ctx, node, consumer, secret, jwtCredentialHeaders(node.version, secret));
  ctx.shared.authenticated_jwt_token = token;
  return undefined;
}

const list = (v: unknown, d: string[]): string[] => (Array.isArray(v) ? (v as string[]) : d);

/** jwt (PRIORITY 1005, 1450 from 3.0). */
export const jwtPlugin: PluginHandler<JwtConfig> = {
  name: "jwt",
  priority: (version) => (atLeast(version, "3.0.0") ? 1450 : 1005),
  parse: (c) => ({
    uri_param_names: list(c.uri_param_names, ["jwt"]), cookie_names: list(c.cookie_names, []), header_names: list(c.header_names, ["authorization"]),
    key_claim_name: typeof c.key_claim_name === "string" ? c.key_claim_name : "iss", secret_is_base64: c.secret_is_base64 === true,
    claims_to_verify: list(c.claims_to_verify, []), anonymous: typeof c.anonymous === "string" && c.anonymous !== "" ? c.anonymous : null,
    run_on_preflight: c.run_on_preflight !== false, maximum_expiration: typeof c.maximum_expiration === "number" ? c.maximum_expiration : 0,
  }),
  async access(conf, ctx, node) {
    if (!conf.run_on_preflight && ctx.method === "OPTIONS") return undefined;
    return authenticateOrAnonymous(conf, ctx, node, () => authenticate(conf, ctx, node), jwtCredentialHeaders(node.version, null));
  },
};
