// Core migrations' Postgres DDL, approximately as Kong's kong/db/migrations/core/*.lua create it
// (tables and columns Kong reads; indexes, triggers and tags bookkeeping mostly left out). `up`
// only adds; teardowns hold the destructive and data-rewriting parts, as in Kong.
import { add, sql, table, type MigrationDdl, type Op } from "./ops.ts";

const TS = "TIMESTAMP WITH TIME ZONE";
const NOW = `${TS} DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC')`;
export const DEFAULT_WS_ID = "00000000-0000-4000-8000-000000000000";
const WS_TABLES = ["services", "routes", "consumers", "plugins", "upstreams", "targets", "certificates", "snis", "ca_certificates"];

const CLUSTER_EVENTS = sql(`
CREATE TABLE IF NOT EXISTS "cluster_events" ("id" UUID PRIMARY KEY, "node_id" UUID NOT NULL, "at" ${TS} NOT NULL,
  "nbf" ${TS}, "expire_at" ${TS} NOT NULL, "channel" TEXT, "data" TEXT);
CREATE INDEX IF NOT EXISTS "idx_cluster_events_at" ON "cluster_events" ("at");
CREATE INDEX IF NOT EXISTS "idx_cluster_events_channel" ON "cluster_events" ("channel");
CREATE OR REPLACE FUNCTION "delete_expired_cluster_events" () RETURNS TRIGGER LANGUAGE plpgsql AS $$
  BEGIN DELETE FROM "cluster_events" WHERE "expire_at" <= CURRENT_TIMESTAMP AT TIME ZONE 'UTC'; RETURN NEW; END; $$;
DROP TRIGGER IF EXISTS "delete_expired_cluster_events_trigger" ON "cluster_events";
CREATE TRIGGER "delete_expired_cluster_events_trigger" AFTER INSERT ON "cluster_events"
  FOR EACH STATEMENT EXECUTE PROCEDURE delete_expired_cluster_events();`);

const BASE: readonly Op[] = [
  CLUSTER_EVENTS,
  table("services", [["id", "UUID PRIMARY KEY"], ["created_at", TS], ["updated_at", TS], ["name", "TEXT UNIQUE"], ["retries", "BIGINT"],
    ["protocol", "TEXT"], ["host", "TEXT"], ["port", "BIGINT"], ["path", "TEXT"], ["connect_timeout", "BIGINT"], ["write_timeout", "BIGINT"], ["read_timeout", "BIGINT"]]),
  table("routes", [["id", "UUID PRIMARY KEY"], ["created_at", TS], ["updated_at", TS], ["service_id", `UUID REFERENCES "services" ("id")`],
    ["protocols", "TEXT[]"], ["methods", "TEXT[]"], ["hosts", "TEXT[]"], ["paths", "TEXT[]"], ["regex_priority", "BIGINT"], ["strip_path", "BOOLEAN"], ["preserve_host", "BOOLEAN"]]),
  table("certificates", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["cert", "TEXT"], ["key", "TEXT"]]),
  table("snis", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["name", "TEXT NOT NULL UNIQUE"], ["certificate_id", `UUID REFERENCES "certificates" ("id")`]]),
  table("consumers", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["username", "TEXT UNIQUE"], ["custom_id", "TEXT UNIQUE"]]),
  table("plugins", [["id", "UUID UNIQUE"], ["created_at", NOW], ["name", "TEXT NOT NULL"],
    ["consumer_id", `UUID REFERENCES "consumers" ("id") ON DELETE CASCADE`], ["service_id", `UUID REFERENCES "services" ("id") ON DELETE CASCADE`],
    ["route_id", `UUID REFERENCES "routes" ("id") ON DELETE CASCADE`], ["config", "JSON NOT NULL"], ["enabled", "BOOLEAN NOT NULL"]], ['PRIMARY KEY ("id", "name")']),
  table("upstreams", [["id", "UUID PRIMARY KEY"], ["created_at", `${TS} DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC')`], ["name", "TEXT UNIQUE"],
    ["hash_on", "TEXT"], ["hash_fallback", "TEXT"], ["hash_on_header", "TEXT"], ["hash_fallback_header", "TEXT"], ["hash_on_cookie", "TEXT"],
    ["hash_on_cookie_path", "TEXT"], ["slots", "INTEGER NOT NULL"], ["healthchecks", "JSON"]]),
  table("targets", [["id", "UUID PRIMARY KEY"], ["created_at", `${TS} DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC')`],
    ["upstream_id", `UUID REFERENCES "upstreams" ("id") ON DELETE CASCADE`], ["target", "TEXT NOT NULL"], ["weight", "INTEGER NOT NULL"]]),
];

// 1.x's 001_14_to_15: the 1.0 columns, plugins.run_on (dropped again by 2.0's 008 teardown) and cluster_ca.
const V14_TO_15: readonly Op[] = [
  add("routes", "name", "TEXT UNIQUE"), add("routes", "snis", "TEXT[]"), add("routes", "sources", "JSONB[]"), add("routes", "destinations", "JSONB[]"),
  add("plugins", "cache_key", "TEXT UNIQUE"), add("plugins", "run_on", "TEXT"),
  table("cluster_ca", [["pk", "BOOLEAN NOT NULL PRIMARY KEY CHECK(pk=true)"], ["key", "TEXT NOT NULL"], ["cert", "TEXT NOT NULL"]]),
];

const TAGGED = ["services", "routes", "certificates", "snis", "consumers", "plugins", "upstreams", "targets"];

const WS_UP: readonly Op[] = [
  table("workspaces", [["id", "UUID PRIMARY KEY"], ["name", "TEXT UNIQUE"], ["comment", "TEXT"], ["created_at", NOW], ["meta", "JSONB"], ["config", "JSONB"]]),
  sql(`INSERT INTO "workspaces" ("id", "name") VALUES ('${DEFAULT_WS_ID}', 'default') ON CONFLICT DO NOTHING;`),
  ...WS_TABLES.map((t) => add(t, "ws_id", `UUID REFERENCES "workspaces" ("id")`)),
  add("ca_certificates", "cert_digest", "TEXT"), add("services", "tls_verify", "BOOLEAN"), add("services", "tls_verify_depth", "SMALLINT"),
  add("services", "ca_certificates", "UUID[]"), add("upstreams", "client_certificate_id", "UUID"),
];

// 2.1's teardown: every row joins the default workspace, and plugin cache keys gain the ws_id field.
const WS_TEARDOWN: readonly Op[] = [
  ...WS_TABLES.map((t) => sql(`UPDATE "${t}" SET "ws_id" = '${DEFAULT_WS_ID}' WHERE "ws_id" IS NULL;`)),
  sql(`UPDATE "plugins" SET "cache_key" = "cache_key" || ':${DEFAULT_WS_ID}' WHERE "cache_key" IS NOT NULL AND "cache_key" NOT LIKE '%:${DEFAULT_WS_ID}';`),
];

export const CORE_DDL: Readonly<Record<string, MigrationDdl>> = {
  "000_base": { up: BASE },
  "001_14_to_15": { up: V14_TO_15 },
  "002_15_to_1": { up: [] },
  "003_100_to_110": { up: [add("plugins", "protocols", "TEXT[]"), ...TAGGED.map((t) => add(t, "tags", "TEXT[]"))] },
  "004_110_to_120": { up: [add("routes", "https_redirect_status_code", "INTEGER")] },
  "005_120_to_130": {
    up: [add("upstreams", "algorithm", "TEXT"), add("routes", "headers", "JSONB"), add("services", "client_certificate_id", "UUID"),
      table("ca_certificates", [["id", "UUID PRIMARY KEY"], ["created_at", NOW], ["cert", "TEXT NOT NULL UNIQUE"], ["tags", "TEXT[]"]])],
    teardown: [],
  },
  "006_130_to_140": { up: [add("upstreams", "host_header", "TEXT")] },
  "007_140_to_150": { up: [add("routes", "path_handling", "TEXT DEFAULT 'v0'")] },
  "008_150_to_200": {
    up: [],
    teardown: [{ kind: "dropColumn", table: "plugins", column: "run_on" }, { kind: "dropTable", table: "cluster_ca" }],
  },
  "009_200_to_210": { up: WS_UP, teardown: WS_TEARDOWN },
  "010_210_to_211": { up: [] },
  "011_212_to_213": { up: [] },
  "012_213_to_220": {
    up: [table("clustering_data_planes", [["id", "UUID PRIMARY KEY"], ["hostname", "TEXT NOT NULL"], ["ip", "TEXT NOT NULL"], ["last_seen", NOW],
      ["config_hash", "TEXT NOT NULL"], ["ttl", TS]]), add("routes", "request_buffering", "BOOLEAN"), add("routes", "response_buffering", "BOOLEAN")],
    // Duplicate targets (same upstream and target): keep only the newest, as Kong 2.2's teardown does.
    teardown: [sql(`DELETE FROM "targets" t USING "targets" n WHERE t."upstream_id" = n."upstream_id" AND t."target" = n."target" AND t."created_at" < n."created_at";`)],
  },
  "013_220_to_230": {
    up: [table("parameters", [["key", "TEXT PRIMARY KEY"], ["value", "TEXT NOT NULL"], ["created_at", NOW]]),
      sql(`INSERT INTO "parameters" ("key", "value") VALUES ('cluster_id', gen_random_uuid()::text) ON CONFLICT DO NOTHING;`),
      add("certificates", "cert_alt", "TEXT"), add("certificates", "key_alt", "TEXT"),
      add("clustering_data_planes", "version", "TEXT"), add("clustering_data_planes", "sync_status", "TEXT NOT NULL DEFAULT 'unknown'")],
  },
  "014_230_to_270": { up: [add("services", "enabled", "BOOLEAN DEFAULT true")] },
  "015_270_to_280": {
    up: [table("vaults_beta", [["id", "UUID PRIMARY KEY"], ["ws_id", `UUID REFERENCES "workspaces" ("id")`], ["prefix", "TEXT UNIQUE"], ["name", "TEXT"],
      ["description", "TEXT"], ["config", "JSONB NOT NULL"], ["created_at", NOW], ["updated_at", TS], ["tags", "TEXT[]"]])],
  },
  "016_280_to_300": {
    up: [add("targets", "cache_key", "TEXT UNIQUE"), add("upstreams", "hash_on_query_arg", "TEXT"), add("upstreams", "hash_fallback_query_arg", "TEXT"),
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
 * 2.0 dropped 001_14_to_15 and 002_15_to_1 from the list; a 2.0+ `000_base` creates their
 * columns itself, so 1.x-only steps fold into the base when the binary does not list them.
 */
export function coreDdl(name: string, knows: readonly string[]): MigrationDdl | undefined {
  const ddl = CORE_DDL[name];
  if (name === "000_base" && ddl && !knows.includes("001_14_to_15")) return { up: [...ddl.up, ...V14_TO_15] };
  return ddl;
}
