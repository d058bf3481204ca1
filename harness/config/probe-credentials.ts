// The credentials a probe presents: built from the configuration's consumers, the way each
// authentication plugin reads them at 2.5.1 (key-auth: the first of `key_names`, in a header unless
// `key_in_header` is off; basic-auth: `Authorization: Basic base64(username:password)`; jwt: a token
// signed with the consumer's secret, its key in the `key_claim_name` claim, sent as `Bearer`).
import { createHmac } from "node:crypto";
import { ofKind, type ConfigEntity, type EntityKind, type KongConfig } from "./model.ts";

/** Authentication plugins, by the priority they run in (higher first), and the entity holding their credentials. */
export const AUTH_PLUGINS: Readonly<Record<string, { readonly priority: number; readonly credentials?: EntityKind }>> = {
  jwt: { priority: 1005, credentials: "jwt_secrets" },
  oauth2: { priority: 1004, credentials: "oauth2_credentials" },
  "key-auth": { priority: 1003, credentials: "keyauth_credentials" },
  "ldap-auth": { priority: 1002 },
  "basic-auth": { priority: 1001, credentials: "basicauth_credentials" },
  "hmac-auth": { priority: 1000, credentials: "hmacauth_credentials" },
};

/** Kinds a static probe can present (hmac-auth needs a fresh Date signature, oauth2 a token from its endpoint, ldap-auth a directory). */
export const PRESENTABLE = ["key-auth", "basic-auth", "jwt"] as const;
export type PresentableKind = (typeof PRESENTABLE)[number];
export const isPresentable = (kind: string): kind is PresentableKind => (PRESENTABLE as readonly string[]).includes(kind);

export interface Presentation {
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Values no report may show. */
  readonly secrets: readonly string[];
}

export type Built = Presentation | { readonly skip: string };

/** A date no probe run reaches: `exp` of tokens whose plugin verifies it without a maximum. */
const FAR_FUTURE_S = 4102444800;
const WRONG_KEY = "kuh-no-such-key";

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

export function jwtToken(alg: "HS256" | "HS384" | "HS512", claims: Readonly<Record<string, unknown>>, secret: Buffer): string {
  const signingInput = `${b64url(JSON.stringify({ typ: "JWT", alg }))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac(`sha${alg.slice(2)}`, secret).update(signingInput).digest();
  return `${signingInput}.${b64url(signature)}`;
}

function keyAuth(key: string, config: Readonly<Record<string, unknown>>): Presentation | { skip: string } {
  const name = strings(config.key_names)[0] ?? "apikey";
  if (config.key_in_header !== false) return { headers: { [name.toLowerCase()]: key }, query: {}, secrets: [key] };
  if (config.key_in_query !== false) return { headers: {}, query: { [name]: key }, secrets: [key] };
  return { skip: "key-auth there reads keys from the request body only" };
}

function basicAuth(username: string, password: string): Presentation {
  const value = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  return { headers: { authorization: value }, query: {}, secrets: [value, password] };
}

function jwt(key: string, secret: string, alg: "HS256" | "HS384" | "HS512", config: Readonly<Record<string, unknown>>, nowS: number): Presentation {
  const claims: Record<string, unknown> = { [str(config.key_claim_name) ?? "iss"]: key };
  const verify = strings(config.claims_to_verify);
  const max = typeof config.maximum_expiration === "number" ? config.maximum_expiration : 0;
  if (verify.includes("exp")) claims.exp = max > 0 ? nowS + max - 60 : FAR_FUTURE_S;
  if (verify.includes("nbf")) claims.nbf = 1;
  const token = jwtToken(alg, claims, config.secret_is_base64 === true ? Buffer.from(secret, "base64") : Buffer.from(secret));
  const value = `Bearer ${token}`;
  return { headers: { [(strings(config.header_names)[0] ?? "authorization").toLowerCase()]: value }, query: {}, secrets: [value, token] };
}

/** What a consumer's credential makes a request carry on a route whose plugin has `config`; `skip` says why it cannot. */
export function presentCredential(kind: PresentableKind, cred: ConfigEntity, config: Readonly<Record<string, unknown>>, nowS: number): Built {
  const f = cred.fields;
  if (kind === "key-auth") {
    const key = str(f.key);
    if (key === undefined) return { skip: `${cred.at} has no key in the file (Kong would generate one)` };
    if (typeof f.ttl === "number" && f.ttl > 0) return { skip: `${cred.at} expires (ttl ${f.ttl}s) during a run` };
    return keyAuth(key, config);
  }
  if (kind === "basic-auth") {
    const username = str(f.username), password = str(f.password);
    if (username === undefined || password === undefined) return { skip: `${cred.at} has no username or password in the file` };
    if (/^[0-9a-f]{40}$/.test(password)) return { skip: `${cred.at}'s password looks like the SHA-1 hash Kong stores (as \`deck dump\` writes it), not the password` };
    return basicAuth(username, password);
  }
  const alg = str(f.algorithm) ?? "HS256";
  if (alg !== "HS256" && alg !== "HS384" && alg !== "HS512") return { skip: `${cred.at} signs with ${alg}: the file holds no private key to sign a token with` };
  const key = str(f.key), secret = str(f.secret);
  if (key === undefined || secret === undefined) return { skip: `${cred.at} has no key or secret in the file (Kong would generate them)` };
  return jwt(key, secret, alg, config, nowS);
}

/** A credential of the kind that no consumer holds. */
export function wrongCredential(kind: PresentableKind, config: Readonly<Record<string, unknown>>, nowS: number): Built {
  if (kind === "key-auth") return keyAuth(WRONG_KEY, config);
  if (kind === "basic-auth") return basicAuth("kuh-no-such-user", "kuh-wrong-password");
  return jwt(WRONG_KEY, "kuh-wrong-secret", "HS256", config, nowS);
}

/** The configuration's consumers, their credentials and ACL groups, in file order. */
export class Consumers {
  readonly keys: readonly string[];
  private readonly entities: readonly ConfigEntity[];

  constructor(private readonly config: KongConfig) {
    this.entities = ofKind(config, "consumers");
    this.keys = this.entities.map((c) => c.key);
  }

  credentials(consumer: string, kind: string): ConfigEntity[] {
    const entity = AUTH_PLUGINS[kind]?.credentials;
    return entity ? ofKind(this.config, entity).filter((c) => c.consumer === consumer) : [];
  }

  groups(consumer: string): string[] {
    return ofKind(this.config, "acls").filter((a) => a.consumer === consumer).map((a) => String(a.fields.group));
  }

  /** The consumer an `anonymous` setting names (Kong loads it by id, then by username). */
  byReference(ref: string): string | undefined {
    return (this.entities.find((c) => c.fields.id === ref) ?? this.entities.find((c) => c.fields.username === ref))?.key;
  }
}
