// Bundled plugins' Postgres DDL, following kong/plugins/<name>/migrations/*.lua: each plugin's
// tables with Kong's columns, constraints and index names, the tags bookkeeping of *_130_to_140,
// the 2.1 workspace changes and the teardowns that rewrite configs. 1.x's 001_14_to_15 and
// 002_15_to_10 steps are folded into the base migrations (their end state is what 2.0 creates).
import { add, sql, table, type MigrationDdl, type Op } from "./ops.ts";
import { index, tagged, wsAdjustData, wsAdjustFields, type WsEntity } from "./pg-schema.ts";

const TS = "TIMESTAMP WITH TIME ZONE";
const NOW = `${TS} DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC')`;
const CONSUMER = `UUID REFERENCES "consumers" ("id") ON DELETE CASCADE`;
const NIL_UUID = "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID";
const NONE: MigrationDdl = { up: [] };
/** A 1.x step whose teardown rewrote pre-1.0 data the stand-in never has. */
const LEGACY_TEARDOWN: MigrationDdl = { up: [], teardown: [] };

const credentials = (t: string, extra: readonly (readonly [string, string])[]): Op =>
  table(t, [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["consumer_id", CONSUMER], ...extra]);

/** A plugin's 2.1 migration: `up` adjusts its entities for workspaces, the teardown their data. */
const wsMigration = (entities: readonly WsEntity[], before: readonly Op[] = [], after: readonly Op[] = []): MigrationDdl =>
  ({ up: [...before, ...entities.flatMap(wsAdjustFields)], teardown: [...entities.flatMap(wsAdjustData), ...after] });
const byConsumer = (t: string, unique?: string): WsEntity =>
  ({ table: t, uniques: unique ? [unique] : [], fks: [{ field: "consumer", references: "consumers", cascade: true }] });

/** 2.1's acl / ip-restriction / bot-detection teardown: `whitelist`/`blacklist` become `allow`/`deny`. */
const renameConfig = (plugin: string): Op => sql(`
UPDATE "plugins" SET "config" = (("config" - 'whitelist') - 'blacklist')
  || jsonb_build_object('allow', "config" -> 'whitelist', 'deny', "config" -> 'blacklist')
WHERE "name" = '${plugin}' AND ("config" ? 'whitelist' OR "config" ? 'blacklist');`);

/**
 * 3.0's pre-/post-function 001_280_to_300: `up` copies the 2.x `functions` list to the `access`
 * phase; the teardown removes `functions`, which 2.x nodes still run.
 */
const functionPhases = (plugin: string): MigrationDdl => {
  const where = `WHERE "name" = '${plugin}' AND jsonb_typeof("config" -> 'functions') = 'array' AND jsonb_array_length("config" -> 'functions') > 0`;
  return {
    up: [sql(`UPDATE "plugins" SET "config" = jsonb_set("config", '{access}', "config" -> 'functions') ${where};`)],
    teardown: [sql(`UPDATE "plugins" SET "config" = "config" - 'functions' ${where};`)],
  };
};

const metrics = (t: string): Op => table(t, [["identifier", "TEXT NOT NULL"], ["period", "TEXT NOT NULL"], ["period_date", `${TS} NOT NULL`],
  ["service_id", NIL_UUID], ["route_id", NIL_UUID], ["value", "INTEGER"]], ['PRIMARY KEY ("identifier", "period", "period_date", "service_id", "route_id")']);

export const PLUGIN_DDL: Readonly<Record<string, Readonly<Record<string, MigrationDdl>>>> = {
  acl: {
    "000_base_acl": { up: [credentials("acls", [["group", "TEXT"], ["cache_key", "TEXT UNIQUE"]]),
      index("acls_consumer_id_idx", "acls", `"consumer_id"`), index("acls_group_idx", "acls", `"group"`)] },
    "001_14_to_15": LEGACY_TEARDOWN,
    "002_130_to_140": { up: tagged("acls", { index: "acls_tags_idex_tags_idx" }) },
    "003_200_to_210": wsMigration([{ ...byConsumer("acls"), compositeCacheKey: true }], [], [renameConfig("acl")]),
    "004_212_to_213": { up: [], teardown: [sql(`UPDATE "acls" SET "cache_key" = CONCAT('acls:', "consumer_id", ':', "group", '::::', "ws_id") WHERE "ws_id" IS NOT NULL;`)] },
  },
  acme: {
    "000_base_acme": { up: [table("acme_storage", [["id", "UUID PRIMARY KEY"], ["key", "TEXT UNIQUE"], ["value", "TEXT"], ["created_at", TS], ["ttl", TS]])] },
    "001_280_to_300": { up: [index("acme_storage_ttl_idx", "acme_storage", `"ttl"`)] },
  },
  "basic-auth": {
    "000_base_basic_auth": { up: [credentials("basicauth_credentials", [["username", "TEXT UNIQUE"], ["password", "TEXT"]]),
      index("basicauth_consumer_id_idx", "basicauth_credentials", `"consumer_id"`)] },
    "001_14_to_15": NONE,
    "002_130_to_140": { up: tagged("basicauth_credentials", { index: "basicauth_tags_idex_tags_idx", trigger: "basicauth_sync_tags_trigger" }) },
    "003_200_to_210": wsMigration([byConsumer("basicauth_credentials", "username")]),
  },
  "bot-detection": { "001_200_to_210": { up: [], teardown: [renameConfig("bot-detection")] } },
  "hmac-auth": {
    "000_base_hmac_auth": { up: [credentials("hmacauth_credentials", [["username", "TEXT UNIQUE"], ["secret", "TEXT"]]),
      index("hmacauth_credentials_consumer_id_idx", "hmacauth_credentials", `"consumer_id"`)] },
    "001_14_to_15": NONE,
    "002_130_to_140": { up: tagged("hmacauth_credentials", { index: "hmacauth_tags_idex_tags_idx", trigger: "hmacauth_sync_tags_trigger" }) },
    "003_200_to_210": wsMigration([byConsumer("hmacauth_credentials", "username")]),
  },
  "http-log": {
    // 3.0: `headers` values become plain strings (arrays of one are unwrapped).
    "001_280_to_300": { up: [], teardown: [sql(`UPDATE "plugins" SET "config" = jsonb_set("config", '{headers}', COALESCE((SELECT jsonb_object_agg(k, v->0) FROM jsonb_each("config" -> 'headers') AS h(k, v) WHERE jsonb_typeof(v) = 'array'), "config" -> 'headers')) WHERE "name" = 'http-log' AND jsonb_typeof("config" -> 'headers') = 'object';`)] },
  },
  "ip-restriction": { "001_200_to_210": { up: [], teardown: [renameConfig("ip-restriction")] } },
  jwt: {
    "000_base_jwt": { up: [credentials("jwt_secrets", [["key", "TEXT UNIQUE"], ["secret", "TEXT"], ["algorithm", "TEXT"], ["rsa_public_key", "TEXT"]]),
      index("jwt_secrets_consumer_id_idx", "jwt_secrets", `"consumer_id"`), index("jwt_secrets_secret_idx", "jwt_secrets", `"secret"`)] },
    "001_14_to_15": NONE,
    "002_130_to_140": { up: tagged("jwt_secrets", { index: "jwtsecrets_tags_idex_tags_idx", trigger: "jwtsecrets_sync_tags_trigger" }) },
    "003_200_to_210": wsMigration([byConsumer("jwt_secrets", "key")]),
  },
  "key-auth": {
    "000_base_key_auth": { up: [credentials("keyauth_credentials", [["key", "TEXT UNIQUE"]]),
      index("keyauth_credentials_consumer_id_idx", "keyauth_credentials", `"consumer_id"`)] },
    "001_14_to_15": NONE,
    "002_130_to_140": { up: [...tagged("keyauth_credentials", { index: "keyauth_tags_idex_tags_idx", trigger: "keyauth_sync_tags_trigger" }),
      add("keyauth_credentials", "ttl", TS), index("keyauth_credentials_ttl_idx", "keyauth_credentials", `"ttl"`)] },
    "003_200_to_210": wsMigration([byConsumer("keyauth_credentials", "key")]),
  },
  oauth2: {
    "000_base_oauth2": {
      // Unlike the other credentials, `name` comes before consumer_id.
      up: [table("oauth2_credentials", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["name", "TEXT"], ["consumer_id", CONSUMER],
        ["client_id", "TEXT UNIQUE"], ["client_secret", "TEXT"], ["redirect_uris", "TEXT[]"]]),
        index("oauth2_credentials_consumer_id_idx", "oauth2_credentials", `"consumer_id"`),
        index("oauth2_credentials_secret_idx", "oauth2_credentials", `"client_secret"`),
        table("oauth2_authorization_codes", [["id", "UUID PRIMARY KEY"], ["created_at", NOW],
          ["credential_id", `UUID REFERENCES "oauth2_credentials" ("id") ON DELETE CASCADE`], ["service_id", `UUID REFERENCES "services" ("id") ON DELETE CASCADE`],
          ["code", "TEXT UNIQUE"], ["authenticated_userid", "TEXT"], ["scope", "TEXT"], ["ttl", TS]]),
        index("oauth2_authorization_codes_authenticated_userid_idx", "oauth2_authorization_codes", `"authenticated_userid"`),
        index("oauth2_authorization_codes_ttl_idx", "oauth2_authorization_codes", `"ttl"`),
        index("oauth2_authorization_credential_id_idx", "oauth2_authorization_codes", `"credential_id"`),
        index("oauth2_authorization_service_id_idx", "oauth2_authorization_codes", `"service_id"`),
        table("oauth2_tokens", [["id", "UUID PRIMARY KEY"], ["created_at", NOW],
          ["credential_id", `UUID REFERENCES "oauth2_credentials" ("id") ON DELETE CASCADE`], ["service_id", `UUID REFERENCES "services" ("id") ON DELETE CASCADE`],
          ["access_token", "TEXT UNIQUE"], ["refresh_token", "TEXT UNIQUE"], ["token_type", "TEXT"], ["expires_in", "INTEGER"],
          ["authenticated_userid", "TEXT"], ["scope", "TEXT"], ["ttl", TS]]),
        index("oauth2_tokens_authenticated_userid_idx", "oauth2_tokens", `"authenticated_userid"`),
        index("oauth2_tokens_credential_id_idx", "oauth2_tokens", `"credential_id"`),
        index("oauth2_tokens_service_id_idx", "oauth2_tokens", `"service_id"`),
        index("oauth2_tokens_ttl_idx", "oauth2_tokens", `"ttl"`)],
    },
    "001_14_to_15": LEGACY_TEARDOWN, "002_15_to_10": LEGACY_TEARDOWN,
    "003_130_to_140": { up: tagged("oauth2_credentials", { index: "oauth2_credentials_tags_idex_tags_idx" }) },
    "004_200_to_210": wsMigration([
      byConsumer("oauth2_credentials", "client_id"),
      { table: "oauth2_authorization_codes", uniques: ["code"], fks: [{ field: "service", references: "services", cascade: true },
        { field: "credential", references: "oauth2_credentials", cascade: true }] },
      { table: "oauth2_tokens", uniques: ["access_token", "refresh_token"], fks: [{ field: "service", references: "services", cascade: true },
        { field: "credential", references: "oauth2_credentials", cascade: true }] },
    ], [add("oauth2_authorization_codes", "challenge", "TEXT"), add("oauth2_authorization_codes", "challenge_method", "TEXT"),
      add("oauth2_credentials", "client_type", "TEXT"), add("oauth2_credentials", "hash_secret", "BOOLEAN")]),
    "005_210_to_211": NONE,
  },
  "post-function": { "001_280_to_300": functionPhases("post-function") },
  "pre-function": { "001_280_to_300": functionPhases("pre-function") },
  "rate-limiting": {
    "000_base_rate_limiting": { up: [metrics("ratelimiting_metrics")] },
    "001_14_to_15": LEGACY_TEARDOWN, "002_15_to_10": LEGACY_TEARDOWN,
    "003_10_to_112": { up: [index("ratelimiting_metrics_idx", "ratelimiting_metrics", `"service_id", "route_id", "period_date", "period"`)] },
    "004_200_to_210": { up: [add("ratelimiting_metrics", "ttl", TS), index("ratelimiting_metrics_ttl_idx", "ratelimiting_metrics", `"ttl"`)] },
  },
  "response-ratelimiting": {
    "000_base_response_rate_limiting": { up: [metrics("response_ratelimiting_metrics")] },
    "001_14_to_15": LEGACY_TEARDOWN, "002_15_to_10": LEGACY_TEARDOWN,
  },
  session: {
    "000_base_session": { up: [table("sessions", [["id", "UUID PRIMARY KEY"], ["session_id", "TEXT UNIQUE"], ["expires", "INTEGER"], ["data", "TEXT"],
      ["created_at", TS], ["ttl", TS]]), index("session_sessions_expires_idx", "sessions", `"expires"`)] },
    "001_add_ttl_index": { up: [index("sessions_ttl_idx", "sessions", `"ttl"`)] },
  },
};
