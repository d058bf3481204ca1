// Config schemas of the plugins the stand-in runs (key-auth, rate-limiting) per Kong version: the
// fields each version's schema.lua declares, their defaults and the checks it makes. Other enabled
// plugins are stored with their config as given.
import { atLeast } from "../../catalogue/entities.ts";
import type { Row } from "../../db/types.ts";
import type { FieldErrors } from "./errors.ts";

type Config = Record<string, unknown>;

interface ConfigField {
  readonly name: string;
  /** Kong's default (null when the schema has none: the field reads as null). */
  readonly default: unknown;
  /** `required = true`: a stored null reads back as the default (schema process_auto_fields, select). */
  readonly required?: boolean;
  /** First Kong version whose schema has the field. */
  readonly since?: string;
}

const KEY_AUTH: readonly ConfigField[] = [
  { name: "key_names", default: ["apikey"], required: true },
  { name: "hide_credentials", default: false, required: true },
  { name: "anonymous", default: null },
  // 2.3.0 made key lookups in headers and the query string switchable.
  { name: "key_in_header", default: true, required: true, since: "2.3.0" },
  { name: "key_in_query", default: true, required: true, since: "2.3.0" },
  { name: "key_in_body", default: false, required: true },
  { name: "run_on_preflight", default: true, required: true },
];

const RATE_LIMITING: readonly ConfigField[] = [
  ...["second", "minute", "hour", "day", "month", "year"].map((name) => ({ name, default: null })),
  { name: "limit_by", default: "consumer" },
  { name: "header_name", default: null, since: "2.1.0" },
  { name: "path", default: null, since: "2.2.0" },
  { name: "policy", default: "cluster" },
  { name: "fault_tolerant", default: true, required: true },
  { name: "redis_host", default: null },
  { name: "redis_port", default: 6379 },
  { name: "redis_password", default: null },
  { name: "redis_username", default: null, since: "2.8.0" },
  { name: "redis_ssl", default: false, required: true, since: "2.7.0" },
  { name: "redis_ssl_verify", default: false, required: true, since: "2.7.0" },
  { name: "redis_server_name", default: null, since: "2.7.0" },
  { name: "redis_timeout", default: 2000 },
  { name: "redis_database", default: 0 },
  { name: "hide_client_headers", default: false, required: true },
];

const SCHEMAS: Readonly<Record<string, readonly ConfigField[]>> = { "key-auth": KEY_AUTH, "rate-limiting": RATE_LIMITING };

const PERIODS = ["second", "minute", "hour", "day", "month", "year"];

/** `limit_by` values per version: `header` from 2.1.0, `path` from 2.2.0. */
function limitByChoices(version: string): string[] {
  return ["consumer", "credential", "ip", "service", ...(atLeast(version, "2.1.0") ? ["header"] : []), ...(atLeast(version, "2.2.0") ? ["path"] : [])];
}

const fieldsOf = (version: string, name: string): readonly ConfigField[] | undefined =>
  SCHEMAS[name]?.filter((f) => f.since === undefined || atLeast(version, f.since));

/**
 * A config record with every field of the schema: absent ones take their default; on read, so do
 * the nulls of required fields (on write such a null is an error).
 */
function filled(fields: readonly ConfigField[], given: Config, onRead: boolean): Config {
  const cfg: Config = {};
  for (const f of fields) {
    const v = given[f.name];
    cfg[f.name] = v === undefined || (onRead && v === null && f.required) ? structuredClone(f.default) : v;
  }
  return cfg;
}

/**
 * A stored config as this version reads it: fields the version's schema lacks are dropped, missing
 * ones take their defaults (Kong's process_auto_fields in the select context), so a row written by
 * another version reads in this version's shape.
 */
export function configOnRead(version: string, name: string, config: unknown): unknown {
  const fields = fieldsOf(version, name);
  if (!fields || !config || typeof config !== "object" || Array.isArray(config)) return config;
  return filled(fields, config as Config, true);
}

export function pluginConfig(version: string, name: string, given: Config, row: Row): { config: Config } | { errors: FieldErrors } {
  const cfgErrors: FieldErrors = {};
  const top: FieldErrors = {};
  const fields = fieldsOf(version, name);
  if (!fields) return { config: given };
  const known = new Set(fields.map((f) => f.name));
  for (const k of Object.keys(given)) if (!known.has(k)) cfgErrors[k] = "unknown field";
  const config = filled(fields, given, false);
  for (const f of fields) if (f.required && config[f.name] === null) cfgErrors[f.name] = "required field missing";
  if (name === "key-auth") {
    if (row.consumer_id != null) top.consumer = "value must be null";
  } else if (name === "rate-limiting") {
    for (const p of PERIODS) {
      const v = config[p];
      if (v !== null && (typeof v !== "number" || v <= 0)) cfgErrors[p] = typeof v !== "number" ? "expected a number" : "value must be greater than 0";
    }
    if (PERIODS.every((p) => config[p] === null)) {
      top["@entity"] = ["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"];
    }
    if (!["local", "cluster", "redis"].includes(String(config.policy))) cfgErrors.policy = "expected one of: local, cluster, redis";
    const limitBy = limitByChoices(version);
    if (!limitBy.includes(String(config.limit_by))) cfgErrors.limit_by = `expected one of: ${limitBy.join(", ")}`;
  }
  if (Object.keys(cfgErrors).length > 0) top.config = cfgErrors;
  return Object.keys(top).length > 0 ? { errors: top } : { config };
}
