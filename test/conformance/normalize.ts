// The recordings' normalization (their README, "Normalization"), applied the same way to both sides:
// the recordings were normalized by an evolving tool (some files keep raw pids or nil UUIDs that
// others replace), so the comparison normalizes the recorded transcript again with these same rules.
// Every placeholder is a fixed point, so normalizing twice changes nothing.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** nginx error-log time, access-log time, ISO 8601. */
const TIMESTAMPS = [
  /\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/g,
  /\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}/g,
  /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g,
];
/** Not a version number: nothing word-like, no dot, slash or dash just before or after. */
const IPV4 = /(?<![\w./-])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])/g;
/** nginx log fields: `pid#tid:`, `start worker process <pid>`, `*<connection>`, access-log bytes, `(in <n>ms)`. */
const LOG_FIELDS: readonly (readonly [RegExp, string])[] = [
  [/\b\d+#\d+:/g, "<pid>:"],
  [/start worker process \d+/g, "start worker process <pid>"],
  [/\*\d+ /g, "*<conn> "],
  [/(HTTP\/\d(?:\.\d)?" \d{3}) \d+ /g, "$1 <bytes> "],
  [/\(in \d+ms\)/g, "(in <n>ms)"],
];
const OFFSET_PARAM = /([?&]offset=)[^&\s"]+/g;
/** Whole values: a 40-hex hash, Kong's 32-character generated keys (base64 with replacements), an nginx memory size. */
const HASH40 = /^[0-9a-f]{40}$/;
const RANDOM32 = /^[A-Za-z0-9]{32}$/;
const SIZE = /^\d+(?:\.\d+)? (?:bytes|[KMGT]iB)$/;

/** Epoch seconds or milliseconds between 2000 and 2100. */
const isEpoch = (n: number): boolean => (n >= 946_684_800 && n < 4_102_444_800) || (n >= 946_684_800_000 && n < 4_102_444_800_000);

/** Values replaced by what their key says they are, whatever they hold. */
const BY_KEY: Readonly<Record<string, string>> = {
  hostname: "<host>",
  timers: "<timers>",
  "ratelimit-reset": "<reset>",
};
const LATENCY_HEADER = /^x-kong-(?:admin|proxy|upstream|response)-latency$/;
/** Counters of GET /status: `server.*` and a worker's pid. */
const COUNTER_KEY = /^(?:connections_\w+|total_requests|pid)$/;

export function normalizeString(s: string): string {
  if (HASH40.test(s)) return "<hash>";
  if (RANDOM32.test(s)) return "<random32>";
  if (SIZE.test(s)) return "<size>";
  let out = s.replace(UUID, "<uuid>");
  for (const re of TIMESTAMPS) out = out.replace(re, "<ts>");
  out = out.replace(IPV4, "<ip>");
  for (const [re, to] of LOG_FIELDS) out = out.replace(re, to);
  return out.replace(OFFSET_PARAM, "$1<offset>");
}

/** A normalized deep copy: placeholders in, object keys sorted. */
export function normalize(value: unknown, key?: string): unknown {
  if (key !== undefined) {
    if (key in BY_KEY && value !== null && value !== undefined) return BY_KEY[key];
    if (LATENCY_HEADER.test(key)) return "<n>";
    if (COUNTER_KEY.test(key) && typeof value === "number") return "<n>";
  }
  if (typeof value === "string") return normalizeString(value);
  if (typeof value === "number") return isEpoch(value) ? "<ts>" : value;
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = normalize((value as Record<string, unknown>)[k], k);
    return out;
  }
  return value;
}

/**
 * The replay side only: a name the replay had to choose otherwise than the recorder (its own keyspace
 * or database, see replay-services.ts) read as the recorder's, wherever it occurs as a whole word, in
 * every string and object key. The replay's name is used by nothing else, so nothing else changes.
 */
export function renamed<T>(value: T, from: string, to: string): T {
  const word = new RegExp(`(?<!\\w)${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\w)`, "g");
  const rename = (v: unknown): unknown => {
    if (typeof v === "string") return v.replace(word, () => to);
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(word, () => to), rename(x)]));
    return v;
  };
  return rename(value) as T;
}

/** JSON with sorted keys: the identity of a normalized value, and the order of lists Kong does not order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v));
}

export function sortedByCanonical<T>(values: readonly T[]): T[] {
  return [...values].sort((a, b) => {
    const x = canonical(a);
    const y = canonical(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** The response headers the recordings keep. */
export function keptHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    const kept = n === "content-type" || n === "www-authenticate" || n.startsWith("x-kong-") || n === "via" || n === "server"
      || n.startsWith("ratelimit-") || n.startsWith("x-ratelimit-") || n === "retry-after" || n === "location";
    if (kept && value !== undefined) out[n] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Configuration entries the recordings keep from GET / (each when the node reports it). */
const CONFIGURATION_SAMPLE = [
  "admin_listen", "database", "headers", "nginx_worker_processes", "pg_host", "pg_password", "plugins", "proxy_listen",
  "role", "router_consistency", "upstream_keepalive_pool_size", "worker_consistency",
] as const;

/**
 * GET / as the recordings keep it: the top-level keys, the size of `configuration` and a sample of it,
 * the plugin names, and the node's identity fields. `pgHostAlias` maps the replay's datastore host
 * to the recorder's (`db`), which is where the recorded nodes found theirs.
 */
export function summarizeRoot(body: unknown, pgHostAlias?: { readonly from: string; readonly to: string }): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const b = body as Record<string, unknown>;
  const configuration = (b.configuration && typeof b.configuration === "object" ? b.configuration : {}) as Record<string, unknown>;
  const plugins = (b.plugins && typeof b.plugins === "object" ? b.plugins : {}) as Record<string, unknown>;
  const names = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String).sort()
    : v && typeof v === "object" ? Object.keys(v).sort() : undefined);
  const sample: Record<string, unknown> = {};
  for (const k of CONFIGURATION_SAMPLE) if (k in configuration) sample[k] = configuration[k];
  if (pgHostAlias && sample.pg_host === pgHostAlias.from) sample.pg_host = pgHostAlias.to;
  const out: Record<string, unknown> = {
    top_keys: Object.keys(b).sort(),
    configuration_keys: Object.keys(configuration).length,
    configuration_sample: sample,
  };
  for (const k of ["version", "tagline", "lua_version", "node_id", "hostname", "timers"]) if (k in b) out[k] = b[k];
  const available = names(plugins.available_on_server);
  const enabled = names(plugins.enabled_in_cluster);
  if (available) out.plugins_available = available;
  if (enabled) out.plugins_enabled_in_cluster = enabled;
  return out;
}

/** A statement's identity inside a schema: the object it creates or alters, else the statement itself. */
const STATEMENT_IDENTITY: readonly RegExp[] = [
  /^(ALTER TABLE (?:ONLY )?\S+ ADD CONSTRAINT \S+)/,
  /^(CREATE (?:UNIQUE |CUSTOM )?INDEX (?:IF NOT EXISTS )?\S+)/,
  /^(CREATE (?:TABLE|TRIGGER|KEYSPACE|TYPE|SEQUENCE|VIEW|MATERIALIZED VIEW) (?:IF NOT EXISTS )?\S+)/,
  /^(CREATE (?:OR REPLACE )?FUNCTION [^(\s]+)/,
];

export function statementKey(statement: string): string {
  for (const re of STATEMENT_IDENTITY) {
    const m = re.exec(statement);
    if (m) return m[1]!;
  }
  return statement;
}

/**
 * A schema dump as the recordings keep it: comment lines (those starting with `--`), SET lines and
 * psql meta-commands removed, whitespace collapsed, statements split on `;`, sorted, joined by `;\n`.
 */
export function schemaStatements(dump: string): { statements: number; schema: string } {
  const kept = dump.split("\n").filter((l) => !l.startsWith("--") && !/^SET /.test(l) && !/^SELECT pg_catalog\.set_config\(/.test(l) && !l.startsWith("\\"));
  const statements = kept.join("\n").replace(/\s+/g, " ").split(";").map((s) => s.trim()).filter(Boolean).sort();
  return { statements: statements.length, schema: statements.join(";\n") };
}

/** The schema text keyed by statement identity, for a comparison per statement. */
export function schemaByStatement(schema: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of schema.split(";\n").filter(Boolean)) {
    const base = statementKey(s);
    let key = base;
    for (let n = 2; key in out; n++) key = `${base} #${n}`;
    out[key] = s;
  }
  return out;
}
