// Migration names per Kong version, as kong/db/migrations/core/init.lua and each bundled plugin's
// migrations/init.lua list them at the release tags (checked against Kong/kong @1.5.1 … @3.0.1).
// Plugins that came as external rocks (session, acme) are listed with the rock version the release
// resolved (kong-reference.md 1.2/1.3).

const CORE_1_5 = ["000_base", "001_14_to_15", "002_15_to_1", "003_100_to_110", "004_110_to_120", "005_120_to_130", "006_130_to_140", "007_140_to_150"];
const CORE_2_0 = ["000_base", "003_100_to_110", "004_110_to_120", "005_120_to_130", "006_130_to_140", "007_140_to_150", "008_150_to_200"];
const CORE_2_1_4 = [...CORE_2_0, "009_200_to_210", "010_210_to_211", "011_212_to_213"];
const CORE_2_2 = [...CORE_2_1_4, "012_213_to_220"];
const CORE_2_3 = [...CORE_2_2, "013_220_to_230"];
const CORE_2_7 = [...CORE_2_3, "014_230_to_270"];
const CORE_2_8 = [...CORE_2_7, "015_270_to_280"];
const CORE_3_0 = [...CORE_2_8, "016_280_to_300"];

type PluginLists = Readonly<Record<string, readonly string[]>>;

const PLUGINS_1_5: PluginLists = {
  acl: ["000_base_acl", "001_14_to_15", "002_130_to_140"],
  "basic-auth": ["000_base_basic_auth", "001_14_to_15", "002_130_to_140"],
  "hmac-auth": ["000_base_hmac_auth", "001_14_to_15", "002_130_to_140"],
  jwt: ["000_base_jwt", "001_14_to_15", "002_130_to_140"],
  "key-auth": ["000_base_key_auth", "001_14_to_15", "002_130_to_140"],
  oauth2: ["000_base_oauth2", "001_14_to_15", "002_15_to_10", "003_130_to_140"],
  "rate-limiting": ["000_base_rate_limiting", "001_14_to_15", "002_15_to_10", "003_10_to_112"],
  "response-ratelimiting": ["000_base_response_rate_limiting", "001_14_to_15", "002_15_to_10"],
  session: ["000_base_session"],
};

const PLUGINS_2_0: PluginLists = {
  acl: ["000_base_acl", "002_130_to_140"],
  acme: ["000_base_acme"],
  "basic-auth": ["000_base_basic_auth", "002_130_to_140"],
  "hmac-auth": ["000_base_hmac_auth", "002_130_to_140"],
  jwt: ["000_base_jwt", "002_130_to_140"],
  "key-auth": ["000_base_key_auth", "002_130_to_140"],
  oauth2: ["000_base_oauth2", "003_130_to_140"],
  "rate-limiting": ["000_base_rate_limiting", "003_10_to_112"],
  "response-ratelimiting": ["000_base_response_rate_limiting"],
  session: ["000_base_session"],
};

// 2.1.3/2.1.4: the 2.1.0 additions plus acl 004 and oauth2 005. The session rock resolved below
// 2.4.3 for 2.1.x builds, so no 001_add_ttl_index (reference 1.3: "most likely lack it").
const PLUGINS_2_1_4: PluginLists = {
  acl: ["000_base_acl", "002_130_to_140", "003_200_to_210", "004_212_to_213"],
  acme: ["000_base_acme"],
  "basic-auth": ["000_base_basic_auth", "002_130_to_140", "003_200_to_210"],
  "bot-detection": ["001_200_to_210"],
  "hmac-auth": ["000_base_hmac_auth", "002_130_to_140", "003_200_to_210"],
  "ip-restriction": ["001_200_to_210"],
  jwt: ["000_base_jwt", "002_130_to_140", "003_200_to_210"],
  "key-auth": ["000_base_key_auth", "002_130_to_140", "003_200_to_210"],
  oauth2: ["000_base_oauth2", "003_130_to_140", "004_200_to_210", "005_210_to_211"],
  "rate-limiting": ["000_base_rate_limiting", "003_10_to_112", "004_200_to_210"],
  "response-ratelimiting": ["000_base_response_rate_limiting"],
  session: ["000_base_session"],
};

// Decision (reference 1.3 leaves it open): 2.2.2 was released after session 2.4.3 (2020-11-11), so
// its build resolves `~> 2.4` to a rock that has 001_add_ttl_index. 2.2.2 has it; 2.1.4 does not.
const PLUGINS_2_2: PluginLists = { ...PLUGINS_2_1_4, session: ["000_base_session", "001_add_ttl_index"] };

const PLUGINS_3_0: PluginLists = {
  ...PLUGINS_2_2,
  acme: ["000_base_acme", "001_280_to_300"],
  "http-log": ["001_280_to_300"],
  "pre-function": ["001_280_to_300"],
  "post-function": ["001_280_to_300"],
};

export interface MigrationLists { readonly core: readonly string[]; readonly plugins: PluginLists }

export const MIGRATION_LISTS: Readonly<Record<string, MigrationLists>> = {
  "1.5.1": { core: CORE_1_5, plugins: PLUGINS_1_5 },
  "2.0.5": { core: CORE_2_0, plugins: PLUGINS_2_0 },
  "2.1.4": { core: CORE_2_1_4, plugins: PLUGINS_2_1_4 },
  "2.2.2": { core: CORE_2_2, plugins: PLUGINS_2_2 },
  "2.3.3": { core: CORE_2_3, plugins: PLUGINS_2_2 },
  "2.4.1": { core: CORE_2_3, plugins: PLUGINS_2_2 },
  "2.5.1": { core: CORE_2_3, plugins: PLUGINS_2_2 },
  "2.6.0": { core: CORE_2_3, plugins: PLUGINS_2_2 },
  "2.7.2": { core: CORE_2_7, plugins: PLUGINS_2_2 },
  "2.8.5": { core: CORE_2_8, plugins: PLUGINS_2_2 },
  "3.0.1": { core: CORE_3_0, plugins: PLUGINS_3_0 },
};

// Bundled plugins (kong/constants.lua), in the file's order: the order `plugins = bundled` expands to.
const BUNDLED_1_5 = ["jwt", "acl", "correlation-id", "cors", "oauth2", "tcp-log", "udp-log", "file-log", "http-log", "key-auth", "hmac-auth",
  "basic-auth", "ip-restriction", "request-transformer", "response-transformer", "request-size-limiting", "rate-limiting",
  "response-ratelimiting", "syslog", "loggly", "datadog", "ldap-auth", "statsd", "bot-detection", "aws-lambda", "request-termination",
  "azure-functions", "kubernetes-sidecar-injector", "zipkin", "pre-function", "post-function", "prometheus", "proxy-cache", "session"];
const BUNDLED_2_0 = [...BUNDLED_1_5.filter((p) => p !== "kubernetes-sidecar-injector"), "acme"];
const BUNDLED_2_1 = [...BUNDLED_2_0, "grpc-web", "grpc-gateway"];
const BUNDLED_2_6 = ["jwt", "acl", "correlation-id", "cors", "oauth2", "tcp-log", "udp-log", "file-log", "http-log", "key-auth", "hmac-auth",
  "basic-auth", "ip-restriction", "request-transformer", "response-transformer", "request-size-limiting", "rate-limiting",
  "response-ratelimiting", "syslog", "loggly", "datadog", "ldap-auth", "statsd", "bot-detection", "aws-lambda", "request-termination",
  "prometheus", "proxy-cache", "session", "acme", "grpc-gateway", "grpc-web", "pre-function", "post-function", "azure-functions", "zipkin"];

export const BUNDLED_PLUGINS: Readonly<Record<string, readonly string[]>> = {
  "1.5.1": BUNDLED_1_5, "2.0.5": BUNDLED_2_0, "2.1.4": BUNDLED_2_1, "2.2.2": BUNDLED_2_1, "2.3.3": BUNDLED_2_1, "2.4.1": BUNDLED_2_1,
  "2.5.1": BUNDLED_2_1, "2.6.0": BUNDLED_2_6, "2.7.2": BUNDLED_2_6, "2.8.5": BUNDLED_2_6, "3.0.1": [...BUNDLED_2_6, "opentelemetry"],
};

// Before 2.4 Kong iterated its loaded plugins as a Lua hash: one fixed order per build, neither the
// `plugins` setting's nor alphabetical. These are the orders real builds printed with
// `plugins = bundled` (bootstrap and list agree, on both datastores); versions not listed here fall
// back to the setting's order.
export const HASH_ORDERS: Readonly<Record<string, readonly string[]>> = {
  "1.5.1": ["hmac-auth", "oauth2", "jwt", "basic-auth", "key-auth", "rate-limiting", "acl", "response-ratelimiting", "session"],
  "2.0.5": ["hmac-auth", "oauth2", "jwt", "basic-auth", "key-auth", "rate-limiting", "acl", "acme", "response-ratelimiting", "session"],
  "2.2.2": ["rate-limiting", "hmac-auth", "oauth2", "ip-restriction", "jwt", "basic-auth", "key-auth", "session", "acl", "response-ratelimiting",
    "bot-detection", "acme"],
};
