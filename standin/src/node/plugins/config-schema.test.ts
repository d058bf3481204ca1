import { expect } from "chai";
import { pluginConfig, configOnRead } from "../admin/plugin-schemas.ts";
import { schemaViolation } from "../admin/errors.ts";
import { MODELLED_PLUGINS } from "../../catalogue/modelled-plugins.ts";
import { PLUGIN_HANDLERS, PLUGIN_SCHEMAS, pluginPriority } from "./registry.ts";

const message = (version: string, name: string, config: Record<string, unknown>, row: Record<string, unknown> = {}): string => {
  const r = pluginConfig(version, name, config, row);
  return "errors" in r ? String(schemaViolation(r.errors).body.message) : "ok";
};

describe("stand-in plugins: registry and config schemas", () => {
  it("models exactly the plugins of the one list, each with a handler and a schema", () => {
    expect(PLUGIN_HANDLERS.map((h) => h.name).sort()).to.deep.equal([...MODELLED_PLUGINS].sort());
    expect([...PLUGIN_SCHEMAS.keys()].sort()).to.deep.equal([...MODELLED_PLUGINS].sort());
  });

  it("gives each plugin its handler.lua PRIORITY per version (3.0 moved the auth plugins and rate-limiting)", () => {
    expect(["jwt", "key-auth", "basic-auth", "rate-limiting", "cors", "acl"].map((n) => pluginPriority(n, "2.8.5"))).to.deep.equal([1005, 1003, 1001, 901, 2000, 950]);
    expect(["jwt", "key-auth", "basic-auth", "rate-limiting", "cors", "acl"].map((n) => pluginPriority(n, "3.0.1"))).to.deep.equal([1450, 1250, 1100, 910, 2000, 950]);
  });

  // Messages as real Kong 2.5.1 answered them (same requests, same words).
  it("refuses configs with Kong's messages", () => {
    expect(message("2.5.1", "basic-auth", { nope: 1 })).to.equal("schema violation (config.nope: unknown field)");
    expect(message("2.5.1", "acl", {})).to.equal("2 schema violations (only one of these fields must be non-empty: 'config.allow', 'config.deny'; "
      + "at least one of these fields must be non-empty: 'config.allow', 'config.deny')");
    expect(message("2.5.1", "acl", { allow: "a" })).to.equal("schema violation (config.allow: expected an array)");
    expect(message("2.5.1", "cors", { origins: ["[bad"] })).to.equal("schema violation (config.origins: {\n  \"'[bad' is not a valid regex\"\n})");
    expect(message("2.5.1", "cors", { methods: ["GET", "FOO"] }))
      .to.equal("schema violation (config.methods: {\n  [2] = \"expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT\"\n})");
    expect(message("2.5.1", "request-size-limiting", { size_unit: "gigabytes", allowed_payload_size: 1.5 }))
      .to.equal("2 schema violations (config.allowed_payload_size: expected an integer; config.size_unit: expected one of: megabytes, kilobytes, bytes)");
    expect(message("2.5.1", "response-transformer", { add: { headers: ["noval"] }, remove: { headers: "x" } }))
      .to.equal("2 schema violations (config.add: {\n  headers = {\n    \"invalid value: noval\"\n  }\n}; config.remove: {\n  headers = \"expected an array\"\n})");
    expect(message("2.5.1", "response-transformer", { rename: { headers: ["x:y z"] } }))
      .to.equal("schema violation (config.rename: {\n  headers = {\n    \"'y z' is not a valid header\"\n  }\n})");
    expect(message("2.5.1", "ip-restriction", { allow: ["1.2.3.4/40", "x"] }))
      .to.equal("schema violation (config.allow: {\n  \"invalid ip or cidr range: '1.2.3.4/40'\",\n  \"invalid ip or cidr range: 'x'\"\n})");
    expect(message("2.5.1", "request-transformer", { add: { headers: ["x"] }, http_method: "get" }))
      .to.equal("2 schema violations (config.add: {\n  headers = {\n    \"invalid value: x\"\n  }\n}; config.http_method: invalid value: get)");
    expect(message("2.5.1", "proxy-cache", {})).to.equal("schema violation (config.strategy: required field missing)");
    expect(message("2.5.1", "proxy-cache", { strategy: "redis", response_code: [99] }))
      .to.equal("2 schema violations (config.response_code: {\n  \"value should be between 100 and 900\"\n}; config.strategy: expected one of: memory)");
    expect(message("2.5.1", "cors", {}, { consumer_id: "c" })).to.equal("schema violation (consumer: value must be null)");
  });

  it("follows each version's schema: names, required flags, wording", () => {
    expect(message("2.0.5", "acl", { whitelist: ["a"] })).to.equal("ok");
    expect(message("2.0.5", "acl", { allow: ["a"] })).to.match(/config\.allow: unknown field/);
    expect((pluginConfig("2.5.1", "acl", { whitelist: ["a"] }, {}) as { config: Record<string, unknown> }).config).to.deep.equal({ allow: ["a"], deny: null, hide_groups_header: false });
    expect(message("3.0.1", "acl", { whitelist: ["a"] })).to.match(/config\.whitelist: unknown field/);
    expect(message("3.0.1", "acl", { allow: ["a"], deny: ["b"] })).to.equal("schema violation (exactly one of these fields must be non-empty: 'config.allow', 'config.deny')");
    expect(message("2.2.2", "cors", { credentials: null })).to.equal("ok");
    expect(message("2.3.3", "cors", { credentials: null })).to.equal("schema violation (config.credentials: required field missing)");
    expect(message("2.2.2", "jwt", {}, { consumer_id: "c" })).to.equal("ok");
    expect(message("2.3.3", "jwt", {}, { consumer_id: "c" })).to.equal("schema violation (consumer: value must be null)");
    expect(message("1.5.1", "basic-auth", { anonymous: "bob" })).to.equal("schema violation (config.anonymous: expected a valid UUID)");
    expect(message("2.6.0", "ip-restriction", { allow: ["10.0.0.1"], status: 401 })).to.match(/config\.status: unknown field/);
    expect(message("2.7.2", "ip-restriction", { allow: ["10.0.0.1"], status: 401 })).to.equal("ok");
    expect(message("2.0.5", "request-size-limiting", { require_content_length: true })).to.match(/unknown field/);
  });

  it("fills records and defaults on write and on read, as Kong shows them", () => {
    const rt = (pluginConfig("2.5.1", "response-transformer", {}, {}) as { config: Record<string, unknown> }).config;
    expect(rt.add).to.deep.equal({ json: [], json_types: [], headers: [] });
    expect(rt.rename).to.deep.equal({ headers: [] });
    const pc = (pluginConfig("2.5.1", "proxy-cache", { strategy: "memory" }, {}) as { config: Record<string, unknown> }).config;
    expect(pc).to.deep.equal({ response_code: [200, 301, 404], request_method: ["GET", "HEAD"], content_type: ["text/plain", "application/json"], cache_ttl: 300,
      strategy: "memory", cache_control: false, storage_ttl: null, memory: { dictionary_name: "kong_db_cache" }, vary_query_params: null, vary_headers: null });
    // A 2.2 row with a null where 2.3 made the field required reads as the default.
    expect(configOnRead("2.3.3", "correlation-id", { header_name: "X-Id", generator: "uuid", echo_downstream: null })).to.deep.equal({ header_name: "X-Id", generator: "uuid", echo_downstream: false });
  });
});
