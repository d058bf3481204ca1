// Core migrations' Cassandra text, as kong/db/migrations/core/*.lua's `cassandra` sections have it
// (Kong/kong @2.6.0, 009 from @2.1.4, 013 from @2.6.0/@2.7.0, 014-015 from @2.8.5, 016 from @3.0.0).
// `up` is CQL split on `;`; a statement `@name args` is one of Kong's Lua functions (teardown/up_f),
// implemented in db/cassandra/functions.ts. Indexes, tables and columns are Kong's; the `tags` table is
// created but not maintained (see standin/README.md).
import { randomUUID } from "node:crypto";

export interface CqlText { readonly up: string; readonly teardown?: string }

const BASE = `
CREATE TABLE IF NOT EXISTS cluster_events(channel text, at timestamp, node_id uuid, id uuid, data text, nbf timestamp,
  PRIMARY KEY (channel, at, node_id, id)) WITH default_time_to_live = 86400;
CREATE TABLE IF NOT EXISTS services(partition text, id uuid, created_at timestamp, updated_at timestamp, name text, host text, path text,
  port int, protocol text, connect_timeout int, read_timeout int, write_timeout int, retries int, PRIMARY KEY (partition, id));
CREATE INDEX IF NOT EXISTS services_name_idx ON services(name);
CREATE TABLE IF NOT EXISTS routes(partition text, id uuid, created_at timestamp, updated_at timestamp, name text, hosts list<text>,
  paths list<text>, methods set<text>, protocols set<text>, snis set<text>, sources set<text>, destinations set<text>, preserve_host boolean,
  strip_path boolean, service_id uuid, regex_priority int, PRIMARY KEY (partition, id));
CREATE INDEX IF NOT EXISTS routes_service_id_idx ON routes(service_id);
CREATE INDEX IF NOT EXISTS routes_name_idx ON routes(name);
CREATE TABLE IF NOT EXISTS snis(partition text, id uuid, name text, certificate_id uuid, created_at timestamp, PRIMARY KEY (partition, id));
CREATE INDEX IF NOT EXISTS snis_name_idx ON snis(name);
CREATE INDEX IF NOT EXISTS snis_certificate_id_idx ON snis(certificate_id);
CREATE TABLE IF NOT EXISTS certificates(partition text, id uuid, cert text, key text, created_at timestamp, PRIMARY KEY (partition, id));
CREATE TABLE IF NOT EXISTS consumers(id uuid PRIMARY KEY, created_at timestamp, username text, custom_id text);
CREATE INDEX IF NOT EXISTS consumers_username_idx ON consumers(username);
CREATE INDEX IF NOT EXISTS consumers_custom_id_idx ON consumers(custom_id);
CREATE TABLE IF NOT EXISTS plugins(id uuid, created_at timestamp, route_id uuid, service_id uuid, consumer_id uuid, name text, config text,
  enabled boolean, cache_key text, run_on text, PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS plugins_name_idx ON plugins(name);
CREATE INDEX IF NOT EXISTS plugins_route_id_idx ON plugins(route_id);
CREATE INDEX IF NOT EXISTS plugins_service_id_idx ON plugins(service_id);
CREATE INDEX IF NOT EXISTS plugins_consumer_id_idx ON plugins(consumer_id);
CREATE INDEX IF NOT EXISTS plugins_cache_key_idx ON plugins(cache_key);
CREATE INDEX IF NOT EXISTS plugins_run_on_idx ON plugins(run_on);
CREATE TABLE IF NOT EXISTS upstreams(id uuid PRIMARY KEY, created_at timestamp, hash_fallback text, hash_fallback_header text, hash_on text,
  hash_on_cookie text, hash_on_cookie_path text, hash_on_header text, healthchecks text, name text, slots int);
CREATE INDEX IF NOT EXISTS upstreams_name_idx ON upstreams(name);
CREATE TABLE IF NOT EXISTS targets(id uuid PRIMARY KEY, created_at timestamp, target text, upstream_id uuid, weight int);
CREATE INDEX IF NOT EXISTS targets_upstream_id_idx ON targets(upstream_id);
CREATE INDEX IF NOT EXISTS targets_target_idx ON targets(target);
CREATE TABLE IF NOT EXISTS cluster_ca(pk boolean PRIMARY KEY, key text, cert text);`;

const TAGS = `
ALTER TABLE plugins ADD protocols set<text>;
${["services", "routes", "certificates", "snis", "consumers", "plugins", "upstreams", "targets"].map((t) => `ALTER TABLE ${t} ADD tags set<text>;`).join("\n")}
CREATE TABLE IF NOT EXISTS tags(tag text, entity_name text, entity_id text, other_tags set<text>, PRIMARY KEY ((tag), entity_name, entity_id));`;

/** operations/200_to_210.lua ws_add_ws_id (Cassandra): a ws_id column and an index to filter by it. */
export const wsId = (...tables: string[]): string =>
  tables.map((t) => `ALTER TABLE ${t} ADD ws_id uuid;\nCREATE INDEX IF NOT EXISTS ${t}_ws_id_idx ON ${t}(ws_id);`).join("\n");

const WS_UP = `
ALTER TABLE ca_certificates ADD cert_digest text;
DROP INDEX IF EXISTS ca_certificates_cert_idx;
CREATE INDEX IF NOT EXISTS ca_certificates_cert_digest_idx ON ca_certificates(cert_digest);
ALTER TABLE services ADD tls_verify boolean;
ALTER TABLE services ADD tls_verify_depth int;
ALTER TABLE services ADD ca_certificates set<uuid>;
ALTER TABLE upstreams ADD client_certificate_id uuid;
CREATE INDEX IF NOT EXISTS upstreams_client_certificate_id_idx ON upstreams(client_certificate_id);
CREATE TABLE IF NOT EXISTS workspaces(id uuid, name text, comment text, created_at timestamp, meta text, config text, PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS workspaces_name_idx ON workspaces(name);
${wsId("upstreams", "targets", "consumers", "certificates", "snis", "services", "routes", "plugins")}`;

// 009's teardown (ws_adjust_data over core_entities, in Kong's order). On Cassandra the default
// workspace row itself is created here, not in `up`. Unique fields become `<ws_id>:<value>`: the
// reason 2.0 nodes cannot share a keyspace with 2.1+ (UPGRADE.md @2.1.0, "Cassandra").
const WS_TEARDOWN = `
@ws-keys upstreams name;
@ws-keys targets;
@ws-keys consumers username custom_id;
@ws-keys certificates;
@ws-keys snis;
@ws-keys services name;
@ws-keys routes name;
@ws-cache-key plugins;
@ws-keys plugins;`;

const PARAMETERS = `
CREATE TABLE IF NOT EXISTS parameters(key text, value text, created_at timestamp, PRIMARY KEY (key));
ALTER TABLE certificates ADD cert_alt TEXT;
ALTER TABLE certificates ADD key_alt TEXT;
ALTER TABLE clustering_data_planes ADD version text;
ALTER TABLE clustering_data_planes ADD sync_status text;`;
const clusterId = (): string => `INSERT INTO parameters (key, value) VALUES('cluster_id', '${randomUUID()}') IF NOT EXISTS;`;

export const CORE_CQL: Readonly<Record<string, CqlText>> = {
  "000_base": { up: BASE },
  // 1.x intermediate steps: 2.x's base already has their columns, so the stand-in's base is the same for 1.5.
  "001_14_to_15": { up: "" },
  "002_15_to_1": { up: "" },
  "003_100_to_110": { up: TAGS },
  "004_110_to_120": { up: "ALTER TABLE routes ADD https_redirect_status_code int;" },
  "005_120_to_130": {
    up: `ALTER TABLE upstreams ADD algorithm text;
CREATE TABLE IF NOT EXISTS ca_certificates(partition text, id uuid, cert text, created_at timestamp, tags set<text>, PRIMARY KEY (partition, id));
CREATE INDEX IF NOT EXISTS ca_certificates_cert_idx ON ca_certificates(cert);
ALTER TABLE routes ADD headers map<text,frozen<set<text>>>;
ALTER TABLE services ADD client_certificate_id uuid;
CREATE INDEX IF NOT EXISTS services_client_certificate_id_idx ON services(client_certificate_id);`,
    teardown: "@upstream-algorithm;",
  },
  "006_130_to_140": { up: "ALTER TABLE upstreams ADD host_header text;" },
  "007_140_to_150": { up: "ALTER TABLE routes ADD path_handling text;", teardown: "@path-handling;" },
  // Kong does not drop plugins.run_on on Cassandra ("this operation is not reentrant"): 1.5 nodes keep reading it.
  "008_150_to_200": { up: "", teardown: "DROP INDEX IF EXISTS plugins_run_on_idx;\nDROP TABLE IF EXISTS cluster_ca;" },
  "009_200_to_210": { up: WS_UP, teardown: WS_TEARDOWN },
  // clean_cassandra_fields nulls unique values of the form `<uuid>:$(VALUE)` left by a 2.1.0 bug; the
  // stand-in never wrote such values, so there is nothing to clean.
  "010_210_to_211": { up: "", teardown: "" },
  "011_212_to_213": { up: "" },
  "012_213_to_220": {
    up: `CREATE TABLE IF NOT EXISTS clustering_data_planes(id uuid, hostname text, ip text, last_seen timestamp, config_hash text,
  PRIMARY KEY (id)) WITH default_time_to_live = 1209600;
ALTER TABLE routes ADD request_buffering boolean;
ALTER TABLE routes ADD response_buffering boolean;`,
    teardown: "@dedupe-targets;",
  },
  "013_220_to_230": { up: PARAMETERS },
  "014_230_to_270": { up: "ALTER TABLE services ADD enabled boolean;" },
  "015_270_to_280": {
    up: `CREATE TABLE IF NOT EXISTS vaults_beta(id uuid, ws_id uuid, prefix text, name text, description text, config text, created_at timestamp,
  updated_at timestamp, tags set<text>, PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS vaults_beta_prefix_idx ON vaults_beta (prefix);
CREATE INDEX IF NOT EXISTS vaults_beta_ws_id_idx ON vaults_beta (ws_id);`,
  },
  "016_280_to_300": {
    // 3.0 renames the vault tables: new tables, then up_f copies the rows over.
    up: `CREATE TABLE IF NOT EXISTS vault_auth_vaults(id uuid, created_at timestamp, updated_at timestamp, name text, protocol text, host text,
  port int, mount text, vault_token text, PRIMARY KEY (id));
CREATE TABLE IF NOT EXISTS sm_vaults(id uuid, ws_id uuid, prefix text, name text, description text, config text, created_at timestamp,
  updated_at timestamp, tags set<text>, PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS sm_vaults_prefix_idx ON sm_vaults (prefix);
CREATE INDEX IF NOT EXISTS sm_vaults_ws_id_idx ON sm_vaults (ws_id);
ALTER TABLE targets ADD cache_key text;
CREATE INDEX IF NOT EXISTS targets_cache_key_idx ON targets(cache_key);
${["hash_on_query_arg", "hash_fallback_query_arg", "hash_on_uri_capture", "hash_fallback_uri_capture"].map((c) => `ALTER TABLE upstreams ADD ${c} text;`).join("\n")}
ALTER TABLE routes ADD expression text;
ALTER TABLE routes ADD priority int;
@copy-table vaults vault_auth_vaults;
@copy-table vaults_beta sm_vaults;
@regex-paths;`,
    teardown: "@dedupe-targets;\n@targets-cache-key;\nDROP TABLE IF EXISTS vaults_beta;\nDROP TABLE IF EXISTS vaults;",
  },
};

/**
 * 013_220_to_230: 2.3-2.6 insert cluster_id in `up`; 2.7.0 (#7667) moved the insert into a teardown so
 * that it runs after schema agreement. `teardownOnCassandra` is the binary's catalogue flag.
 */
export function coreCql(name: string, teardownOnCassandra: boolean): CqlText | undefined {
  if (name === "013_220_to_230") {
    return teardownOnCassandra ? { up: PARAMETERS, teardown: clusterId() } : { up: `${PARAMETERS}\n${clusterId()}` };
  }
  return CORE_CQL[name];
}
