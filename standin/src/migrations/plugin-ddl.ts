// Bundled plugins' Postgres DDL (kong/plugins/<name>/migrations/*.lua), approximately: the tables
// and columns Kong creates, the 2.1 ws_id columns, and the teardowns that rewrite configs.
import { DEFAULT_WS_ID } from "./core-ddl.ts";
import { add, sql, table, type MigrationDdl, type Op } from "./ops.ts";

const TS = "TIMESTAMP WITH TIME ZONE";
const NOW = `${TS} DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC')`;
const CONSUMER = `UUID REFERENCES "consumers" ("id") ON DELETE CASCADE`;
const NONE: MigrationDdl = { up: [] };

const credentials = (t: string, extra: readonly (readonly [string, string])[]): Op =>
  table(t, [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["consumer_id", CONSUMER], ...extra]);
const tagsAndWs = (t: string): MigrationDdl => ({ up: [add(t, "tags", "TEXT[]")] });
const wsOf = (...tables: string[]): Op[] => tables.map((t) => add(t, "ws_id", `UUID REFERENCES "workspaces" ("id")`));
const wsFill = (...tables: string[]): Op[] => tables.map((t) => sql(`UPDATE "${t}" SET "ws_id" = '${DEFAULT_WS_ID}' WHERE "ws_id" IS NULL;`));

/** 2.1's ip-restriction / bot-detection teardown: `whitelist`/`blacklist` become `allow`/`deny`. */
const renameConfig = (plugin: string): Op => sql(`
UPDATE "plugins" SET "config" = (
  (("config"::jsonb - 'whitelist') - 'blacklist')
  || jsonb_build_object('allow', "config"::jsonb -> 'whitelist', 'deny', "config"::jsonb -> 'blacklist'))::json
WHERE "name" = '${plugin}' AND ("config"::jsonb ? 'whitelist' OR "config"::jsonb ? 'blacklist');`);

export const PLUGIN_DDL: Readonly<Record<string, Readonly<Record<string, MigrationDdl>>>> = {
  acl: {
    "000_base_acl": { up: [credentials("acls", [["group", "TEXT"], ["cache_key", "TEXT UNIQUE"]])] },
    "001_14_to_15": NONE, "002_130_to_140": tagsAndWs("acls"),
    "003_200_to_210": { up: wsOf("acls"), teardown: wsFill("acls") },
    "004_212_to_213": { up: [], teardown: [sql(`UPDATE "acls" SET "cache_key" = CONCAT('acls:', "consumer_id", ':', "group", '::::', "ws_id") WHERE "ws_id" IS NOT NULL;`)] },
  },
  acme: {
    "000_base_acme": { up: [table("acme_storage", [["id", "UUID PRIMARY KEY"], ["key", "TEXT UNIQUE"], ["value", "TEXT"], ["created_at", NOW], ["ttl", TS]])] },
    "001_280_to_300": NONE,
  },
  "basic-auth": {
    "000_base_basic_auth": { up: [credentials("basicauth_credentials", [["username", "TEXT UNIQUE"], ["password", "TEXT"]])] },
    "001_14_to_15": NONE, "002_130_to_140": tagsAndWs("basicauth_credentials"), "003_200_to_210": { up: wsOf("basicauth_credentials"), teardown: wsFill("basicauth_credentials") },
  },
  "bot-detection": { "001_200_to_210": { up: [], teardown: [renameConfig("bot-detection")] } },
  "hmac-auth": {
    "000_base_hmac_auth": { up: [credentials("hmacauth_credentials", [["username", "TEXT UNIQUE"], ["secret", "TEXT"]])] },
    "001_14_to_15": NONE, "002_130_to_140": tagsAndWs("hmacauth_credentials"), "003_200_to_210": { up: wsOf("hmacauth_credentials"), teardown: wsFill("hmacauth_credentials") },
  },
  "http-log": {
    // 3.0: `headers` values become plain strings (arrays of one are unwrapped).
    "001_280_to_300": { up: [], teardown: [sql(`UPDATE "plugins" SET "config" = jsonb_set("config"::jsonb, '{headers}', COALESCE((SELECT jsonb_object_agg(k, v->0) FROM jsonb_each("config"::jsonb -> 'headers') AS h(k, v) WHERE jsonb_typeof(v) = 'array'), "config"::jsonb -> 'headers'))::json WHERE "name" = 'http-log' AND jsonb_typeof("config"::jsonb -> 'headers') = 'object';`)] },
  },
  "ip-restriction": { "001_200_to_210": { up: [], teardown: [renameConfig("ip-restriction")] } },
  jwt: {
    "000_base_jwt": { up: [credentials("jwt_secrets", [["key", "TEXT UNIQUE"], ["secret", "TEXT"], ["algorithm", "TEXT"], ["rsa_public_key", "TEXT"]])] },
    "001_14_to_15": NONE, "002_130_to_140": tagsAndWs("jwt_secrets"), "003_200_to_210": { up: wsOf("jwt_secrets"), teardown: wsFill("jwt_secrets") },
  },
  "key-auth": {
    "000_base_key_auth": { up: [credentials("keyauth_credentials", [["key", "TEXT UNIQUE"]])] },
    "001_14_to_15": NONE,
    "002_130_to_140": { up: [add("keyauth_credentials", "tags", "TEXT[]"), add("keyauth_credentials", "ttl", TS)] },
    "003_200_to_210": { up: wsOf("keyauth_credentials"), teardown: wsFill("keyauth_credentials") },
  },
  oauth2: {
    "000_base_oauth2": {
      up: [credentials("oauth2_credentials", [["name", "TEXT"], ["client_id", "TEXT UNIQUE"], ["client_secret", "TEXT"], ["redirect_uris", "TEXT[]"]]),
        table("oauth2_authorization_codes", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["credential_id", "UUID"], ["service_id", "UUID"], ["code", "TEXT UNIQUE"],
          ["authenticated_userid", "TEXT"], ["scope", "TEXT"], ["ttl", TS]]),
        table("oauth2_tokens", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["credential_id", "UUID"], ["service_id", "UUID"], ["access_token", "TEXT UNIQUE"],
          ["refresh_token", "TEXT UNIQUE"], ["token_type", "TEXT"], ["expires_in", "INTEGER"], ["authenticated_userid", "TEXT"], ["scope", "TEXT"], ["ttl", TS]])],
    },
    "001_14_to_15": NONE, "002_15_to_10": NONE, "003_130_to_140": tagsAndWs("oauth2_credentials"),
    "004_200_to_210": { up: wsOf("oauth2_credentials", "oauth2_authorization_codes", "oauth2_tokens"), teardown: wsFill("oauth2_credentials", "oauth2_authorization_codes", "oauth2_tokens") },
    "005_210_to_211": NONE,
  },
  "post-function": { "001_280_to_300": NONE },
  "pre-function": { "001_280_to_300": NONE },
  "rate-limiting": {
    "000_base_rate_limiting": {
      up: [table("ratelimiting_metrics", [["identifier", "TEXT NOT NULL"], ["period", "TEXT NOT NULL"], ["period_date", `${TS} NOT NULL`],
        ["service_id", "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID"], ["route_id", "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID"],
        ["value", "INTEGER"]], ['PRIMARY KEY ("identifier", "period", "period_date", "service_id", "route_id")'])],
    },
    "001_14_to_15": NONE, "002_15_to_10": NONE,
    "003_10_to_112": { up: [sql(`CREATE INDEX IF NOT EXISTS "ratelimiting_metrics_idx" ON "ratelimiting_metrics" ("service_id", "route_id", "period_date", "period");`)] },
    "004_200_to_210": { up: [add("ratelimiting_metrics", "ttl", TS)] },
  },
  "response-ratelimiting": {
    "000_base_response_rate_limiting": {
      up: [table("response_ratelimiting_metrics", [["identifier", "TEXT NOT NULL"], ["period", "TEXT NOT NULL"], ["period_date", `${TS} NOT NULL`],
        ["service_id", "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID"], ["route_id", "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID"],
        ["value", "INTEGER"]], ['PRIMARY KEY ("identifier", "period", "period_date", "service_id", "route_id")'])],
    },
    "001_14_to_15": NONE, "002_15_to_10": NONE,
  },
  session: {
    "000_base_session": { up: [table("sessions", [["id", "UUID PRIMARY KEY"], ["session_id", "TEXT UNIQUE"], ["expires", "INTEGER"], ["data", "TEXT"], ["created_at", NOW]])] },
    "001_add_ttl_index": { up: [add("sessions", "ttl", TS), sql(`CREATE INDEX IF NOT EXISTS "sessions_ttl_idx" ON "sessions" ("ttl");`)] },
  },
};
