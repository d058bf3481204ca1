// Bundled plugins' Cassandra text (kong/plugins/<name>/migrations/*.lua `cassandra` sections,
// Kong/kong @2.6.0; 3.0 ones @3.0.0). The 2.1 `*_200_to_210` steps use
// operations.ws_migrate_plugin: a ws_id column plus index in `up`, and a teardown that moves rows into
// the default workspace and prefixes unique fields (`key`, `username`, ...) with `<ws_id>:`.
import { wsId, type CqlText } from "./cql-core.ts";

const NONE: CqlText = { up: "" };
/** A 1.x step whose teardown rewrote pre-1.0 data the stand-in never has (see catalogue/teardowns.ts). */
const LEGACY_TEARDOWN: CqlText = { up: "", teardown: "" };
const tags = (t: string): CqlText => ({ up: `ALTER TABLE ${t} ADD tags set<text>;` });
const wsPlugin = (table: string, ...uniques: string[]): CqlText => ({ up: wsId(table), teardown: `@ws-keys ${[table, ...uniques].join(" ")};` });
const credentials = (t: string, cols: string, indexed: readonly string[]): string =>
  `CREATE TABLE IF NOT EXISTS ${t}(id uuid PRIMARY KEY, created_at timestamp, consumer_id uuid, ${cols});\n` +
  [...indexed, "consumer_id"].map((c) => `CREATE INDEX IF NOT EXISTS ON ${t}(${c});`).join("\n");
const metrics = (t: string): string => `CREATE TABLE IF NOT EXISTS ${t}(route_id uuid, service_id uuid, period_date timestamp, period text,
  identifier text, value counter, PRIMARY KEY ((route_id, service_id, identifier, period_date, period)));`;

export const PLUGIN_CQL: Readonly<Record<string, Readonly<Record<string, CqlText>>>> = {
  acl: {
    "000_base_acl": { up: `${credentials("acls", "group text, cache_key text", ["group"])}\nCREATE INDEX IF NOT EXISTS ON acls(cache_key);` },
    "001_14_to_15": LEGACY_TEARDOWN, "002_130_to_140": tags("acls"),
    "003_200_to_210": { up: wsId("acls"), teardown: "@ws-cache-key acls;\n@ws-keys acls;\n@rename-config acl;" },
    // 004_212_to_213 rewrites acls' composite cache keys (2.1.0-2.1.2 wrote them without the workspace).
    "004_212_to_213": { up: "", teardown: "@ws-cache-key acls;" },
  },
  acme: {
    "000_base_acme": { up: "CREATE TABLE IF NOT EXISTS acme_storage(id uuid PRIMARY KEY, key text, value text, created_at timestamp);\nCREATE INDEX IF NOT EXISTS acme_storage_key_idx ON acme_storage(key);" },
    "001_280_to_300": NONE,
  },
  "basic-auth": {
    "000_base_basic_auth": { up: credentials("basicauth_credentials", "password text, username text", ["username"]) },
    "001_14_to_15": NONE, "002_130_to_140": tags("basicauth_credentials"), "003_200_to_210": wsPlugin("basicauth_credentials", "username"),
  },
  "bot-detection": { "001_200_to_210": { up: "", teardown: "@rename-config bot-detection;" } },
  "hmac-auth": {
    "000_base_hmac_auth": { up: credentials("hmacauth_credentials", "username text, secret text", ["username"]) },
    "001_14_to_15": NONE, "002_130_to_140": tags("hmacauth_credentials"), "003_200_to_210": wsPlugin("hmacauth_credentials", "username"),
  },
  "http-log": { "001_280_to_300": { up: "", teardown: "@http-log-headers;" } },
  "ip-restriction": { "001_200_to_210": { up: "", teardown: "@rename-config ip-restriction;" } },
  jwt: {
    "000_base_jwt": { up: credentials("jwt_secrets", "algorithm text, rsa_public_key text, key text, secret text", ["key", "secret"]) },
    "001_14_to_15": NONE, "002_130_to_140": tags("jwt_secrets"), "003_200_to_210": wsPlugin("jwt_secrets", "key"),
  },
  "key-auth": {
    "000_base_key_auth": { up: credentials("keyauth_credentials", "key text", ["key"]) },
    "001_14_to_15": NONE, "002_130_to_140": tags("keyauth_credentials"), "003_200_to_210": wsPlugin("keyauth_credentials", "key"),
  },
  oauth2: {
    "000_base_oauth2": {
      up: `${credentials("oauth2_credentials", "client_id text, client_secret text, name text, redirect_uris set<text>", ["client_id", "client_secret"])}
CREATE TABLE IF NOT EXISTS oauth2_authorization_codes(id uuid PRIMARY KEY, created_at timestamp, service_id uuid, credential_id uuid,
  authenticated_userid text, code text, scope text) WITH default_time_to_live = 300;
${["code", "service_id", "credential_id", "authenticated_userid"].map((c) => `CREATE INDEX IF NOT EXISTS ON oauth2_authorization_codes(${c});`).join("\n")}
CREATE TABLE IF NOT EXISTS oauth2_tokens(id uuid PRIMARY KEY, created_at timestamp, service_id uuid, credential_id uuid, access_token text,
  authenticated_userid text, refresh_token text, scope text, token_type text, expires_in int);
${["service_id", "access_token", "refresh_token", "credential_id", "authenticated_userid"].map((c) => `CREATE INDEX IF NOT EXISTS ON oauth2_tokens(${c});`).join("\n")}`,
    },
    "001_14_to_15": LEGACY_TEARDOWN, "002_15_to_10": LEGACY_TEARDOWN, "003_130_to_140": tags("oauth2_credentials"),
    "004_200_to_210": {
      up: `ALTER TABLE oauth2_authorization_codes ADD challenge text;
ALTER TABLE oauth2_authorization_codes ADD challenge_method text;
ALTER TABLE oauth2_credentials ADD client_type text;
ALTER TABLE oauth2_credentials ADD hash_secret boolean;
${wsId("oauth2_credentials", "oauth2_authorization_codes", "oauth2_tokens")}`,
      teardown: "@ws-keys oauth2_credentials client_id;\n@ws-keys oauth2_authorization_codes code;\n@ws-keys oauth2_tokens access_token refresh_token;",
    },
    // clean_cassandra_fields (see core 010_210_to_211): nothing the stand-in wrote needs cleaning.
    "005_210_to_211": { up: "", teardown: "" },
  },
  "post-function": { "001_280_to_300": { up: "@functions-to-access post-function;", teardown: "@drop-functions post-function;" } },
  "pre-function": { "001_280_to_300": { up: "@functions-to-access pre-function;", teardown: "@drop-functions pre-function;" } },
  "rate-limiting": {
    "000_base_rate_limiting": { up: metrics("ratelimiting_metrics") },
    "001_14_to_15": NONE, "002_15_to_10": LEGACY_TEARDOWN, "003_10_to_112": NONE,
    // Cassandra counters expire with the row's TTL semantics of the counter table; no ttl column (2.1).
    "004_200_to_210": NONE,
  },
  "response-ratelimiting": {
    "000_base_response_rate_limiting": { up: metrics("response_ratelimiting_metrics") },
    "001_14_to_15": NONE, "002_15_to_10": LEGACY_TEARDOWN,
  },
  session: {
    "000_base_session": {
      up: `CREATE TABLE IF NOT EXISTS sessions(id uuid, session_id text, expires int, data text, created_at timestamp, PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS ON sessions (session_id);
CREATE INDEX IF NOT EXISTS ON sessions (expires);`,
    },
    "001_add_ttl_index": NONE,
  },
};
