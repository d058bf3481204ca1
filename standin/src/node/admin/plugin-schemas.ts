// Config schemas of the plugins the stand-in runs (key-auth, rate-limiting): defaults and the checks
// their schema.lua declares. Other enabled plugins are stored with their config as given.
import type { Row } from "../../db/types.ts";
import type { FieldErrors } from "./errors.ts";

type Config = Record<string, unknown>;

const KEY_AUTH_DEFAULTS: Config = {
  key_names: ["apikey"], hide_credentials: false, anonymous: null, key_in_header: true, key_in_query: true,
  key_in_body: false, run_on_preflight: true,
};

const RATE_LIMITING_DEFAULTS: Config = {
  second: null, minute: null, hour: null, day: null, month: null, year: null, limit_by: "consumer", header_name: null,
  path: null, policy: "cluster", fault_tolerant: true, redis_host: null, redis_port: 6379, redis_password: null,
  redis_timeout: 2000, redis_database: 0, hide_client_headers: false,
};

const PERIODS = ["second", "minute", "hour", "day", "month", "year"];

function withDefaults(defaults: Config, given: Config, errors: FieldErrors): Config {
  const cfg: Config = { ...defaults };
  for (const [k, v] of Object.entries(given)) {
    if (!(k in defaults)) errors[k] = "unknown field";
    else cfg[k] = v;
  }
  return cfg;
}

export function pluginConfig(name: string, given: Config, row: Row): { config: Config } | { errors: FieldErrors } {
  const cfgErrors: FieldErrors = {};
  const top: FieldErrors = {};
  let config: Config = given;
  if (name === "key-auth") {
    config = withDefaults(KEY_AUTH_DEFAULTS, given, cfgErrors);
    if (row.consumer_id != null) top.consumer = "value must be null";
  } else if (name === "rate-limiting") {
    config = withDefaults(RATE_LIMITING_DEFAULTS, given, cfgErrors);
    for (const p of PERIODS) {
      const v = config[p];
      if (v !== null && (typeof v !== "number" || v <= 0)) cfgErrors[p] = typeof v !== "number" ? "expected a number" : "value must be greater than 0";
    }
    if (PERIODS.every((p) => config[p] === null)) {
      top["@entity"] = ["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"];
    }
    if (!["local", "cluster", "redis"].includes(String(config.policy))) cfgErrors.policy = "expected one of: local, cluster, redis";
    if (!["consumer", "credential", "ip", "service", "header", "path"].includes(String(config.limit_by))) {
      cfgErrors.limit_by = "expected one of: consumer, credential, ip, service, header, path";
    }
  }
  if (Object.keys(cfgErrors).length > 0) top.config = cfgErrors;
  return Object.keys(top).length > 0 ? { errors: top } : { config };
}
