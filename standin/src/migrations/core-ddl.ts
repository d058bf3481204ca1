// Core migrations' Postgres DDL, following what kong/db/migrations/core/*.lua create at each
// release (tables with Kong's column order, constraints, indexes, the tags bookkeeping and the 2.1
// workspace changes), so that the schema after bootstrap, up and finish is the one real Kong leaves.
// `up` only adds; teardowns hold the destructive and data-rewriting parts, as in Kong.
import { add, sql, table, type MigrationDdl, type Op } from "./ops.ts";
import { DEFAULT_WS_ID, index, TAGS_TABLE, tagged, tagsTrigger, wsAdjustData, wsAdjustFields, type WsEntity } from "./pg-schema.ts";

export { DEFAULT_WS_ID } from "./pg-schema.ts";

const TS = "TIMESTAMP WITH TIME ZONE";
const NOW = `${TS} DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC')`;
const NOW_MS = `${TS} DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC')`;

const CLUSTER_EVENTS: readonly Op[] = [
  table("cluster_events", [["id", "UUID PRIMARY KEY"], ["node_id", "UUID NOT NULL"], ["at", `${TS} NOT NULL`], ["nbf", TS],
    ["expire_at", `${TS} NOT NULL`], ["channel", "TEXT"], ["data", "TEXT"]]),
  index("cluster_events_at_idx", "cluster_events", `"at"`),
  index("cluster_events_channel_idx", "cluster_events", `"channel"`),
];

const SERVICES = table("services", [["id", "UUID PRIMARY KEY"], ["created_at", TS], ["updated_at", TS], ["name", "TEXT UNIQUE"], ["retries", "BIGINT"],
  ["protocol", "TEXT"], ["host", "TEXT"], ["port", "BIGINT"], ["path", "TEXT"], ["connect_timeout", "BIGINT"], ["write_timeout", "BIGINT"], ["read_timeout", "BIGINT"]]);
const CERTIFICATES: readonly Op[] = [
  table("certificates", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["cert", "TEXT"], ["key", "TEXT"]]),
  table("snis", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["name", "TEXT NOT NULL UNIQUE"], ["certificate_id", `UUID REFERENCES "certificates" ("id")`]]),
  index("snis_certificate_id_idx", "snis", `"certificate_id"`),
];
const CONSUMERS: readonly Op[] = [
  table("consumers", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["username", "TEXT UNIQUE"], ["custom_id", "TEXT UNIQUE"]]),
  index("consumers_username_idx", "consumers", `LOWER("username")`),
];
const PLUGIN_REFS: readonly (readonly [string, string])[] = [
  ["consumer_id", `UUID REFERENCES "consumers" ("id") ON DELETE CASCADE`], ["service_id", `UUID REFERENCES "services" ("id") ON DELETE CASCADE`],
  ["route_id", `UUID REFERENCES "routes" ("id") ON DELETE CASCADE`],
];
const pluginIndexes = (extra: readonly string[]): Op[] =>
  ["name", "consumer_id", "service_id", "route_id", ...extra].map((c) => index(`plugins_${c}_idx`, "plugins", `"${c}"`));
const UPSTREAM_COLUMNS: readonly (readonly [string, string])[] = [["id", "UUID PRIMARY KEY"], ["created_at", NOW_MS], ["name", "TEXT UNIQUE"],
  ["hash_on", "TEXT"], ["hash_fallback", "TEXT"], ["hash_on_header", "TEXT"], ["hash_fallback_header", "TEXT"], ["hash_on_cookie", "TEXT"],
  ["hash_on_cookie_path", "TEXT"], ["slots", "INTEGER NOT NULL"], ["healthchecks", "JSONB"]];
const TARGETS_AND_REST: readonly Op[] = [
  table("targets", [["id", "UUID PRIMARY KEY"], ["created_at", NOW_MS], ["upstream_id", `UUID REFERENCES "upstreams" ("id") ON DELETE CASCADE`],
    ["target", "TEXT NOT NULL"], ["weight", "INTEGER NOT NULL"]]),
  index("targets_target_idx", "targets", `"target"`),
  index("targets_upstream_id_idx", "targets", `"upstream_id"`),
  table("cluster_ca", [["pk", "BOOLEAN NOT NULL PRIMARY KEY CHECK(pk=true)"], ["key", "TEXT NOT NULL"], ["cert", "TEXT NOT NULL"]]),
  table("ttls", [["primary_key_value", "TEXT NOT NULL"], ["primary_uuid_value", "UUID"], ["table_name", "TEXT NOT NULL"],
    ["primary_key_name", "TEXT NOT NULL"], ["expire_at", "TIMESTAMP WITHOUT TIME ZONE NOT NULL"]], ['PRIMARY KEY ("primary_key_value", "table_name")']),
  index("ttls_primary_uuid_value_idx", "ttls", `"primary_uuid_value"`),
];

// 2.0's 000_base: 1.x's base with 001_14_to_15 and 002_15_to_1 folded in (routes carry name, snis,
// sources and destinations from the start; plugins have cache_key and run_on, config is JSONB).
const BASE: readonly Op[] = [
  ...CLUSTER_EVENTS,
  SERVICES,
  table("routes", [["id", "UUID PRIMARY KEY"], ["created_at", TS], ["updated_at", TS], ["name", "TEXT UNIQUE"], ["service_id", `UUID REFERENCES "services" ("id")`],
    ["protocols", "TEXT[]"], ["methods", "TEXT[]"], ["hosts", "TEXT[]"], ["paths", "TEXT[]"], ["snis", "TEXT[]"], ["sources", "JSONB[]"], ["destinations", "JSONB[]"],
    ["regex_priority", "BIGINT"], ["strip_path", "BOOLEAN"], ["preserve_host", "BOOLEAN"]]),
  index("routes_service_id_idx", "routes", `"service_id"`),
  ...CERTIFICATES,
  ...CONSUMERS,
  table("plugins", [["id", "UUID UNIQUE"], ["created_at", NOW], ["name", "TEXT NOT NULL"], ...PLUGIN_REFS, ["config", "JSONB NOT NULL"],
    ["enabled", "BOOLEAN NOT NULL"], ["cache_key", "TEXT UNIQUE"], ["run_on", "TEXT"]], ['PRIMARY KEY ("id")']),
  ...pluginIndexes(["run_on"]),
  table("upstreams", UPSTREAM_COLUMNS),
  ...TARGETS_AND_REST,
];

// 1.5's tables as 000_base, 001_14_to_15 and 002_15_to_1 leave them (1.x binaries run the three in
// one bootstrap; only the end state is observable): the `apis` entity and plugins.api_id are still
// there, routes gained name/snis/sources/destinations/path_handling after their 0.14 columns, and
// upstreams already have host_header (006_130_to_140 then finds it).
const BASE_1X: readonly Op[] = [
  ...CLUSTER_EVENTS,
  SERVICES,
  table("routes", [["id", "UUID PRIMARY KEY"], ["created_at", TS], ["updated_at", TS], ["service_id", `UUID REFERENCES "services" ("id")`],
    ["protocols", "TEXT[]"], ["methods", "TEXT[]"], ["hosts", "TEXT[]"], ["paths", "TEXT[]"], ["regex_priority", "BIGINT"], ["strip_path", "BOOLEAN"],
    ["preserve_host", "BOOLEAN"], ["name", "TEXT UNIQUE"], ["snis", "TEXT[]"], ["sources", "JSONB[]"], ["destinations", "JSONB[]"], ["path_handling", "TEXT DEFAULT 'v0'"]]),
  index("routes_service_id_idx", "routes", `"service_id"`),
  table("apis", [["id", "UUID PRIMARY KEY"], ["created_at", NOW_MS], ["name", "TEXT UNIQUE"], ["upstream_url", "TEXT"], ["preserve_host", "BOOLEAN NOT NULL"],
    ["retries", "SMALLINT DEFAULT 5"], ["https_only", "BOOLEAN"], ["http_if_terminated", "BOOLEAN"], ["hosts", "TEXT"], ["uris", "TEXT"], ["methods", "TEXT"],
    ["strip_uri", "BOOLEAN"], ["upstream_connect_timeout", "INTEGER"], ["upstream_send_timeout", "INTEGER"], ["upstream_read_timeout", "INTEGER"]]),
  ...CERTIFICATES,
  ...CONSUMERS,
  table("plugins", [["id", "UUID UNIQUE"], ["created_at", NOW], ["name", "TEXT NOT NULL"], ...PLUGIN_REFS,
    ["api_id", `UUID REFERENCES "apis" ("id") ON DELETE CASCADE`], ["config", "JSONB NOT NULL"], ["enabled", "BOOLEAN NOT NULL"],
    ["cache_key", "TEXT UNIQUE"], ["run_on", "TEXT"]], ['PRIMARY KEY ("id")']),
  ...pluginIndexes(["api_id", "run_on"]),
  table("upstreams", [...UPSTREAM_COLUMNS, ["host_header", "TEXT"]]),
  ...TARGETS_AND_REST,
];

const TAGGED = ["services", "routes", "certificates", "snis", "consumers", "plugins", "upstreams", "targets"];

// 2.1 (009_200_to_210): the entities that gain a workspace, in Kong's order.
const WS_ENTITIES: readonly WsEntity[] = [
  { table: "upstreams", uniques: ["name"] },
  { table: "targets", fks: [{ field: "upstream", references: "upstreams", cascade: true }] },
  { table: "consumers", uniques: ["username", "custom_id"] },
  { table: "certificates" },
  { table: "snis", fks: [{ field: "certificate", references: "certificates" }] },
  { table: "services", uniques: ["name"], fks: [{ field: "client_certificate", references: "certificates" }] },
  { table: "routes", uniques: ["name"], fks: [{ field: "service", references: "services" }] },
  { table: "plugins", compositeCacheKey: true, fks: [{ field: "route", references: "routes", cascade: true },
    { field: "service", references: "services", cascade: true }, { field: "consumer", references: "consumers", cascade: true }] },
];

const WS_UP: readonly Op[] = [
  sql(`ALTER TABLE IF EXISTS ONLY "ca_certificates" DROP CONSTRAINT IF EXISTS "ca_certificates_cert_key";`),
  add("ca_certificates", "cert_digest", "TEXT UNIQUE"),
  add("services", "tls_verify", "BOOLEAN"),
  add("upstreams", "client_certificate_id", `UUID REFERENCES "certificates" ("id")`),
  add("services", "tls_verify_depth", "SMALLINT"),
  add("services", "ca_certificates", "UUID[]"),
  index("upstreams_fkey_client_certificate", "upstreams", `"client_certificate_id"`),
  table("workspaces", [["id", "UUID PRIMARY KEY"], ["name", "TEXT UNIQUE"], ["comment", "TEXT"], ["created_at", NOW], ["meta", "JSONB"], ["config", "JSONB"]]),
  sql(`INSERT INTO "workspaces" ("id", "name") VALUES ('${DEFAULT_WS_ID}', 'default') ON CONFLICT DO NOTHING;`),
  ...WS_ENTITIES.flatMap(wsAdjustFields),
];

// 2.1's teardown: every row joins the default workspace, plugin cache keys gain its id, and CA
// certificates get the digest of their DER (hex SHA-256), which then becomes mandatory.
const WS_TEARDOWN: readonly Op[] = [
  ...WS_ENTITIES.flatMap(wsAdjustData),
  sql(`UPDATE "ca_certificates" SET "cert_digest" = encode(sha256(decode(regexp_replace("cert", '-----[^-]+-----|\\s', '', 'g'), 'base64')), 'hex')
  WHERE "cert_digest" IS NULL;`),
  sql(`ALTER TABLE IF EXISTS ONLY "ca_certificates" ALTER COLUMN "cert_digest" SET NOT NULL;`),
];

const VAULT_COLUMNS: readonly (readonly [string, string])[] = [["id", "UUID PRIMARY KEY"], ["ws_id", `UUID REFERENCES "workspaces" ("id")`],
  ["prefix", "TEXT UNIQUE"], ["name", "TEXT NOT NULL"], ["description", "TEXT"], ["config", "JSONB NOT NULL"], ["created_at", NOW], ["updated_at", TS], ["tags", "TEXT[]"]];

export const CORE_DDL: Readonly<Record<string, MigrationDdl>> = {
  "000_base": { up: BASE },
  "001_14_to_15": { up: [] },
  "002_15_to_1": { up: [] },
  "003_100_to_110": { up: [add("plugins", "protocols", "TEXT[]"), ...TAGS_TABLE, ...TAGGED.flatMap((t) => tagged(t))] },
  "004_110_to_120": { up: [index("cluster_events_expire_at_idx", "cluster_events", `"expire_at"`), add("routes", "https_redirect_status_code", "INTEGER")] },
  "005_120_to_130": {
    up: [add("upstreams", "algorithm", "TEXT"),
      table("ca_certificates", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["cert", "TEXT NOT NULL UNIQUE"], ["tags", "TEXT[]"]]),
      tagsTrigger("ca_certificates", "ca_certificates_sync_tags_trigger"),
      add("routes", "headers", "JSONB"), add("services", "client_certificate_id", `UUID REFERENCES "certificates" ("id")`),
      index("services_fkey_client_certificate", "services", `"client_certificate_id"`)],
    // Upstreams without an algorithm get the one their hash_on implied.
    teardown: [sql(`UPDATE "upstreams" SET "algorithm" = CASE WHEN "hash_on" = 'none' THEN 'round-robin' ELSE 'consistent-hashing' END
  WHERE "algorithm" IS NULL OR "algorithm" = '';`)],
  },
  "006_130_to_140": { up: [add("upstreams", "host_header", "TEXT")] },
  "007_140_to_150": { up: [add("routes", "path_handling", "TEXT DEFAULT 'v1'")] },
  "008_150_to_200": {
    up: [sql(`ALTER TABLE IF EXISTS ONLY "routes" ALTER COLUMN "path_handling" SET DEFAULT 'v0';`)],
    teardown: [{ kind: "dropColumn", table: "plugins", column: "run_on" }, { kind: "dropTable", table: "cluster_ca" }],
  },
  "009_200_to_210": { up: WS_UP, teardown: WS_TEARDOWN },
  "010_210_to_211": { up: [] },
  "011_212_to_213": { up: [sql(`DROP INDEX IF EXISTS "workspaces_name_idx";`)] },
  "012_213_to_220": {
    up: [table("clustering_data_planes", [["id", "UUID PRIMARY KEY"], ["hostname", "TEXT NOT NULL"], ["ip", "TEXT NOT NULL"], ["last_seen", NOW],
      ["config_hash", "TEXT NOT NULL"], ["ttl", TS]]), index("clustering_data_planes_ttl_idx", "clustering_data_planes", `"ttl"`),
    add("routes", "request_buffering", "BOOLEAN"), add("routes", "response_buffering", "BOOLEAN")],
    // Duplicate targets (same upstream and target): keep only the newest, as Kong 2.2's teardown does.
    teardown: [sql(`DELETE FROM "targets" t USING "targets" n WHERE t."upstream_id" = n."upstream_id" AND t."target" = n."target" AND t."created_at" < n."created_at";`)],
  },
  "013_220_to_230": {
    up: [table("parameters", [["key", "TEXT PRIMARY KEY"], ["value", "TEXT NOT NULL"], ["created_at", TS]]),
      sql(`INSERT INTO "parameters" ("key", "value") VALUES ('cluster_id', gen_random_uuid()::text) ON CONFLICT DO NOTHING;`),
      add("certificates", "cert_alt", "TEXT"), add("certificates", "key_alt", "TEXT"),
      add("clustering_data_planes", "version", "TEXT"), add("clustering_data_planes", "sync_status", "TEXT NOT NULL DEFAULT 'unknown'")],
  },
  "014_230_to_270": { up: [add("services", "enabled", "BOOLEAN DEFAULT true")] },
  "015_270_to_280": {
    up: [table("vaults_beta", VAULT_COLUMNS, ['UNIQUE ("id", "ws_id")', 'UNIQUE ("prefix", "ws_id")']),
      index("vaults_beta_tags_idx", "vaults_beta", `"tags"`, true), tagsTrigger("vaults_beta", "vaults_beta_sync_tags_trigger")],
  },
  "016_280_to_300": {
    // 3.0 renames the beta vaults table: a copy with the same columns, constraints and indexes.
    up: [sql(`DO $$
BEGIN
  IF to_regclass('vaults_beta') IS NOT NULL AND to_regclass('sm_vaults') IS NULL THEN
    CREATE TABLE "sm_vaults" (LIKE "vaults_beta" INCLUDING ALL);
    CREATE TRIGGER "sm_vaults_sync_tags_trigger" AFTER INSERT OR UPDATE OF "tags" OR DELETE ON "sm_vaults"
      FOR EACH ROW EXECUTE PROCEDURE sync_tags();
    ALTER TABLE "sm_vaults" ADD CONSTRAINT "sm_vaults_ws_id_fkey" FOREIGN KEY ("ws_id") REFERENCES "workspaces" ("id");
    INSERT INTO "sm_vaults" SELECT * FROM "vaults_beta";
  END IF;
END$$;`),
    add("targets", "cache_key", "TEXT UNIQUE"), add("upstreams", "hash_on_query_arg", "TEXT"), add("upstreams", "hash_fallback_query_arg", "TEXT"),
    add("upstreams", "hash_on_uri_capture", "TEXT"), add("upstreams", "hash_fallback_uri_capture", "TEXT"),
    add("routes", "expression", "TEXT"), add("routes", "priority", "BIGINT"),
    // 3.0's up_f: regex paths get the `~` prefix during up, so 2.8.0/2.8.1 routers misread them.
    sql(`UPDATE "routes" SET "paths" = ARRAY(SELECT CASE WHEN p ~ '[\\[\\](){}*+?^$|\\\\]' AND left(p, 1) <> '~' THEN '~' || p ELSE p END FROM unnest("paths") AS p)
  WHERE "paths" IS NOT NULL;`)],
    teardown: [{ kind: "dropTable", table: "vaults_beta" }, { kind: "dropTable", table: "vaults" },
      sql(`UPDATE "targets" SET "cache_key" = CONCAT('targets:', "upstream_id", ':', "target", '::::', "ws_id") WHERE "cache_key" IS NULL;`)],
  },
};

/**
 * 2.0 dropped 001_14_to_15 and 002_15_to_1 from the list and folded them into `000_base`; a binary
 * that still lists them (1.x) creates 1.x's tables instead.
 */
export function coreDdl(name: string, knows: readonly string[]): MigrationDdl | undefined {
  if (name === "000_base" && knows.includes("001_14_to_15")) return { up: BASE_1X };
  return CORE_DDL[name];
}
