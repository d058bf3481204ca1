// Entity definitions per Kong version: what each version's schema (kong/db/schema/entities/*.lua,
// kong/plugins/key-auth/daos.lua) declares, and which database columns that version reads.
//
// Conventions shared with the DAO (standin/src/db/**):
// - A DAO row uses COLUMN names: foreign keys are `<field>_id` uuid strings (`service_id`), timestamps
//   are epoch seconds as numbers (integers, except targets' created_at which keeps milliseconds),
//   arrays/sets are string[] (or number[]), records (`config`, `healthchecks`) are plain objects.
// - `columnsFor(version, table)` is the explicit SELECT/INSERT column list of that version, like Kong's
//   Postgres strategy: a column that a newer teardown dropped (plugins.run_on) makes the read fail;
//   columns a newer version added are simply not selected.
// - `ws_id` (2.1+) and `cache_key` are internal: present in the table, never shown by the Admin API.
import type { EntityTable } from "../db/types.ts";

export type FieldType =
  | "uuid" | "string" | "integer" | "number" | "boolean" | "array" | "set" | "record" | "foreign" | "timestamp";

export interface FieldDef {
  /** Admin API name (`service`). */
  readonly name: string;
  /** Database column (`service_id`). */
  readonly column: string;
  readonly type: FieldType;
  /** Postgres type of the column, for DDL. */
  readonly pgType: string;
  /** Default applied on insert when the field is absent (null = explicit null, as Kong shows it). */
  readonly default?: unknown;
  /** Version-dependent defaults, newest first: the first entry whose `since` <= version wins. */
  readonly defaults?: ReadonlyArray<{ readonly since: string; readonly value: unknown }>;
  /** Kong's `required = true`: null is refused on write, and a stored null reads as the default. */
  readonly required?: boolean;
  readonly unique?: boolean;
  /** Target table of a foreign key. */
  readonly reference?: EntityTable | "certificates" | "workspaces";
  readonly oneOf?: readonly string[];
  /** First Kong version whose schema has the field (absent = every modelled version). */
  readonly since?: string;
  /** First Kong version whose schema no longer has it (exclusive upper bound). */
  readonly until?: string;
  /** Stored but never shown by the Admin API (ws_id, cache_key, ttl). */
  readonly internal?: boolean;
  /** Auto-managed timestamps: set by the DAO layer on insert (and update for updated_at). */
  readonly auto?: "created" | "updated";
  /** Migration that adds the column to an existing table (absent = the subsystem's base table). */
  readonly addedBy?: { readonly subsystem: string; readonly migration: string };
  /** Migration whose teardown drops the column. */
  readonly droppedBy?: { readonly subsystem: string; readonly migration: string };
}

export interface EntityDef {
  readonly table: EntityTable;
  /** Singular name used in error messages and nested paths. */
  readonly name: string;
  /** Alternate key accepted in /{table}/{id or key} (name, username), if any. */
  readonly endpointKey?: string;
  /** Subsystem whose migrations create the table. */
  readonly subsystem: string;
  readonly fields: readonly FieldDef[];
}

// ---- versions --------------------------------------------------------------------------------

/** Compares dotted versions numerically: -1, 0, 1. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number), pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
export const atLeast = (version: string, min: string): boolean => compareVersions(version, min) >= 0;

// ---- field helpers ---------------------------------------------------------------------------

const TS = "TIMESTAMP WITH TIME ZONE";
const f = (name: string, type: FieldType, pgType: string, extra: Partial<FieldDef> = {}): FieldDef =>
  ({ name, column: name, type, pgType, ...extra });
const id = (): FieldDef => f("id", "uuid", "UUID PRIMARY KEY");
const createdAt = (): FieldDef => f("created_at", "timestamp", TS, { auto: "created" });
const updatedAt = (): FieldDef => f("updated_at", "timestamp", TS, { auto: "updated" });
const tags = (): FieldDef => f("tags", "set", "TEXT[]", { default: null });
const fk = (name: string, reference: FieldDef["reference"], extra: Partial<FieldDef> = {}): FieldDef =>
  ({ name, column: `${name}_id`, type: "foreign", pgType: "UUID", reference, default: null, ...extra });
const core = (migration: string) => ({ subsystem: "core", migration });
// Every core table gains ws_id in 2.1 (core 009_200_to_210); plugin tables in their *_200_to_210.
const wsId = (subsystem = "core", migration = "009_200_to_210"): FieldDef =>
  ({ ...fk("ws", "workspaces"), internal: true, since: "2.1.0", addedBy: { subsystem, migration } });

const HEALTHCHECKS_DEFAULT = {
  active: {
    type: "http", timeout: 1, concurrency: 10, http_path: "/", https_sni: null, https_verify_certificate: true,
    healthy: { interval: 0, http_statuses: [200, 302], successes: 0 },
    unhealthy: { interval: 0, http_statuses: [429, 404, 500, 501, 502, 503, 504, 505], tcp_failures: 0, timeouts: 0, http_failures: 0 },
  },
  passive: {
    type: "http",
    healthy: { http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308], successes: 0 },
    unhealthy: { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 },
  },
  threshold: 0,
} as const;

// ---- entities ---------------------------------------------------------------------------------

const ENTITIES: Readonly<Record<EntityTable, EntityDef>> = {
  services: {
    table: "services", name: "service", endpointKey: "name", subsystem: "core", fields: [
      id(), createdAt(), updatedAt(),
      f("name", "string", "TEXT UNIQUE", { unique: true, default: null }),
      f("retries", "integer", "BIGINT", { default: 5 }),
      f("protocol", "string", "TEXT", { default: "http", oneOf: ["grpc", "grpcs", "http", "https", "tcp", "tls", "udp"] }),
      f("host", "string", "TEXT", { required: true }),
      f("port", "integer", "BIGINT", { default: 80 }),
      f("path", "string", "TEXT", { default: null }),
      f("connect_timeout", "integer", "BIGINT", { default: 60000 }),
      f("write_timeout", "integer", "BIGINT", { default: 60000 }),
      f("read_timeout", "integer", "BIGINT", { default: 60000 }),
      tags(),
      fk("client_certificate", "certificates"),
      f("tls_verify", "boolean", "BOOLEAN", { default: null, since: "2.1.0", addedBy: core("009_200_to_210") }),
      f("tls_verify_depth", "integer", "SMALLINT", { default: null, since: "2.1.0", addedBy: core("009_200_to_210") }),
      f("ca_certificates", "array", "UUID[]", { default: null, since: "2.1.0", addedBy: core("009_200_to_210") }),
      f("enabled", "boolean", "BOOLEAN DEFAULT true", { default: true, required: true, since: "2.7.0", addedBy: core("014_230_to_270") }),
      wsId(),
    ],
  },
  routes: {
    table: "routes", name: "route", endpointKey: "name", subsystem: "core", fields: [
      id(), createdAt(), updatedAt(),
      f("name", "string", "TEXT UNIQUE", { unique: true, default: null }),
      f("protocols", "set", "TEXT[]", { default: ["http", "https"] }),
      f("methods", "set", "TEXT[]", { default: null }),
      f("hosts", "array", "TEXT[]", { default: null }),
      f("paths", "array", "TEXT[]", { default: null }),
      f("headers", "record", "JSONB", { default: null }),
      f("https_redirect_status_code", "integer", "INTEGER", { default: 426 }),
      f("regex_priority", "integer", "BIGINT", { default: 0 }),
      f("strip_path", "boolean", "BOOLEAN", { default: true }),
      f("path_handling", "string", "TEXT DEFAULT 'v0'", {
        oneOf: ["v0", "v1"], defaults: [{ since: "2.0.0", value: "v0" }, { since: "0.0.0", value: "v1" }],
      }),
      f("preserve_host", "boolean", "BOOLEAN", { default: false }),
      // Required with a default: a row written before 012_213_to_220 (null here) reads as true.
      f("request_buffering", "boolean", "BOOLEAN", { default: true, required: true, since: "2.2.0", addedBy: core("012_213_to_220") }),
      f("response_buffering", "boolean", "BOOLEAN", { default: true, required: true, since: "2.2.0", addedBy: core("012_213_to_220") }),
      f("snis", "set", "TEXT[]", { default: null }),
      f("sources", "set", "JSONB[]", { default: null }),
      f("destinations", "set", "JSONB[]", { default: null }),
      tags(),
      fk("service", "services"),
      // 3.0 columns for the expressions router flavour; the traditional schemas never show them.
      f("expression", "string", "TEXT", { internal: true, since: "3.0.0", addedBy: core("016_280_to_300") }),
      f("priority", "integer", "BIGINT", { internal: true, since: "3.0.0", addedBy: core("016_280_to_300") }),
      wsId(),
    ],
  },
  consumers: {
    table: "consumers", name: "consumer", endpointKey: "username", subsystem: "core", fields: [
      id(), createdAt(),
      f("username", "string", "TEXT UNIQUE", { unique: true, default: null }),
      f("custom_id", "string", "TEXT UNIQUE", { unique: true, default: null }),
      tags(),
      wsId(),
    ],
  },
  plugins: {
    table: "plugins", name: "plugin", subsystem: "core", fields: [
      id(),
      f("name", "string", "TEXT NOT NULL", { required: true }),
      createdAt(),
      fk("route", "routes"),
      fk("service", "services"),
      fk("consumer", "consumers"),
      f("config", "record", "JSONB NOT NULL", { default: {} }),
      f("run_on", "string", "TEXT", {
        default: "first", oneOf: ["first", "second", "all"], until: "2.0.0", droppedBy: core("008_150_to_200"),
      }),
      f("protocols", "set", "TEXT[]", { default: ["grpc", "grpcs", "http", "https"] }),
      f("enabled", "boolean", "BOOLEAN NOT NULL", { default: true }),
      tags(),
      f("cache_key", "string", "TEXT UNIQUE", { internal: true, unique: true }),
      wsId(),
    ],
  },
  upstreams: {
    table: "upstreams", name: "upstream", endpointKey: "name", subsystem: "core", fields: [
      id(), f("created_at", "timestamp", "TIMESTAMP WITH TIME ZONE", { auto: "created" }),
      f("name", "string", "TEXT UNIQUE", { required: true, unique: true }),
      f("algorithm", "string", "TEXT DEFAULT 'round-robin'", { default: "round-robin", oneOf: ["consistent-hashing", "least-connections", "round-robin"] }),
      f("hash_on", "string", "TEXT", { default: "none" }),
      f("hash_fallback", "string", "TEXT", { default: "none" }),
      f("hash_on_header", "string", "TEXT", { default: null }),
      f("hash_fallback_header", "string", "TEXT", { default: null }),
      f("hash_on_cookie", "string", "TEXT", { default: null }),
      f("hash_on_cookie_path", "string", "TEXT", { default: "/" }),
      f("slots", "integer", "INTEGER NOT NULL", { default: 10000 }),
      f("healthchecks", "record", "JSONB", { default: HEALTHCHECKS_DEFAULT }),
      tags(),
      f("host_header", "string", "TEXT", { default: null }),
      { ...fk("client_certificate", "certificates"), since: "2.1.0", addedBy: core("009_200_to_210") },
      ...["hash_on_query_arg", "hash_fallback_query_arg", "hash_on_uri_capture", "hash_fallback_uri_capture"]
        .map((n) => f(n, "string", "TEXT", { default: null, since: "3.0.0", addedBy: core("016_280_to_300") })),
      wsId(),
    ],
  },
  targets: {
    table: "targets", name: "target", subsystem: "core", fields: [
      id(),
      // Kong keeps milliseconds for targets (CURRENT_TIMESTAMP(3)) and shows a float.
      f("created_at", "timestamp", "TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC')", { auto: "created" }),
      { ...fk("upstream", "upstreams"), required: true },
      f("target", "string", "TEXT NOT NULL", { required: true }),
      f("weight", "integer", "INTEGER NOT NULL", { default: 100 }),
      tags(),
      f("cache_key", "string", "TEXT UNIQUE", { internal: true, since: "3.0.0", addedBy: core("016_280_to_300") }),
      wsId(),
    ],
  },
  keyauth_credentials: {
    table: "keyauth_credentials", name: "keyauth_credential", endpointKey: "key", subsystem: "key-auth", fields: [
      id(), createdAt(),
      { ...fk("consumer", "consumers"), required: true },
      f("key", "string", "TEXT UNIQUE", { unique: true }),
      f("tags", "set", "TEXT[]", { default: null, addedBy: { subsystem: "key-auth", migration: "002_130_to_140" } }),
      f("ttl", "timestamp", TS, { internal: true, addedBy: { subsystem: "key-auth", migration: "002_130_to_140" } }),
      wsId("key-auth", "003_200_to_210"),
    ],
  },
  // kong/plugins/basic-auth/daos.lua: the password is stored as sha1(password .. consumer_id) (crypto.lua).
  basicauth_credentials: {
    table: "basicauth_credentials", name: "basicauth_credential", endpointKey: "username", subsystem: "basic-auth", fields: [
      id(), createdAt(),
      { ...fk("consumer", "consumers"), required: true },
      f("username", "string", "TEXT UNIQUE", { unique: true, required: true }),
      f("password", "string", "TEXT", { required: true }),
      f("tags", "set", "TEXT[]", { default: null, addedBy: { subsystem: "basic-auth", migration: "002_130_to_140" } }),
      wsId("basic-auth", "003_200_to_210"),
    ],
  },
  // kong/plugins/acl/daos.lua: cache_key = { "consumer", "group" }, stored (a composite cache key).
  acls: {
    table: "acls", name: "acl", subsystem: "acl", fields: [
      id(), createdAt(),
      { ...fk("consumer", "consumers"), required: true },
      f("group", "string", "TEXT", { required: true }),
      f("tags", "set", "TEXT[]", { default: null, addedBy: { subsystem: "acl", migration: "002_130_to_140" } }),
      f("cache_key", "string", "TEXT UNIQUE", { internal: true }),
      wsId("acl", "003_200_to_210"),
    ],
  },
  // kong/plugins/jwt/daos.lua: key and secret are generated when not given (auto = true).
  jwt_secrets: {
    table: "jwt_secrets", name: "jwt_secret", endpointKey: "key", subsystem: "jwt", fields: [
      id(), createdAt(),
      { ...fk("consumer", "consumers"), required: true },
      f("key", "string", "TEXT UNIQUE", { unique: true }),
      f("secret", "string", "TEXT", { default: null }),
      f("rsa_public_key", "string", "TEXT", { default: null }),
      f("algorithm", "string", "TEXT", { default: "HS256" }),
      f("tags", "set", "TEXT[]", { default: null, addedBy: { subsystem: "jwt", migration: "002_130_to_140" } }),
      wsId("jwt", "003_200_to_210"),
    ],
  },
};

/** Credential tables and the plugin whose Admin API endpoints serve them (daos.lua admin_api_name / nested name). */
export const CREDENTIAL_ENDPOINTS: ReadonlyArray<{ readonly table: EntityTable; readonly collection: string; readonly nested: string }> = [
  { table: "keyauth_credentials", collection: "key-auths", nested: "key-auth" },
  { table: "basicauth_credentials", collection: "basic-auths", nested: "basic-auth" },
  { table: "acls", collection: "acls", nested: "acls" },
  { table: "jwt_secrets", collection: "jwts", nested: "jwt" },
];

const inVersion = (fd: FieldDef, version: string): boolean =>
  (fd.since === undefined || atLeast(version, fd.since)) && (fd.until === undefined || !atLeast(version, fd.until));

/** The table's definition restricted to the fields the given Kong version knows. */
export function entityFor(version: string, table: EntityTable): EntityDef {
  const def = ENTITIES[table];
  return { ...def, fields: def.fields.filter((fd) => inVersion(fd, version)) };
}

/** Database columns this version reads and writes for the table (explicit SELECT list). */
export function columnsFor(version: string, table: EntityTable): string[] {
  return entityFor(version, table).fields.map((fd) => fd.column);
}

/** Fields shown by this version's Admin API, in Kong's schema order. */
export function apiFieldsFor(version: string, table: EntityTable): FieldDef[] {
  return entityFor(version, table).fields.filter((fd) => !fd.internal);
}

/**
 * A stored value as this version reads it: a null (or absent) value of a required field with a
 * default reads as that default (Kong's process_auto_fields, select context).
 */
export function valueOnRead(fd: FieldDef, version: string, value: unknown): unknown {
  if ((value === null || value === undefined) && fd.required) {
    const d = defaultFor(fd, version);
    if (d !== undefined) return structuredClone(d);
  }
  return value;
}

/** The default of a field for a version (undefined = no default: left absent). */
export function defaultFor(fd: FieldDef, version: string): unknown {
  if (fd.defaults) return fd.defaults.find((d) => atLeast(version, d.since))?.value;
  return fd.default;
}

export const ENTITY_TABLES = Object.keys(ENTITIES) as EntityTable[];
