import { expect } from "chai";
import { toApi } from "./serialize.ts";
import { configOnRead, pluginConfig } from "./plugin-schemas.ts";

const ROUTE = "6f1c7c5e-0000-4000-8000-000000000001";

describe("stand-in node: plugin config schemas per version", () => {
  it("gives each version the config fields its schema.lua declares", () => {
    const keys = (version: string, name: string, config: Record<string, unknown>): string[] =>
      Object.keys((pluginConfig(version, name, config, {}) as { config: Record<string, unknown> }).config).sort();
    expect(keys("2.2.2", "key-auth", {})).to.not.include("key_in_header");
    expect(keys("2.3.0", "key-auth", {})).to.include.members(["key_in_header", "key_in_query"]);
    expect(keys("1.5.1", "rate-limiting", { second: 5 })).to.not.include.members(["header_name"]);
    expect(keys("2.1.0", "rate-limiting", { second: 5 })).to.include("header_name").and.not.include("path");
    expect(keys("2.6.0", "rate-limiting", { second: 5 })).to.include("path").and.not.include("redis_ssl");
    expect(keys("2.8.5", "rate-limiting", { second: 5 })).to.include.members(["redis_ssl", "redis_ssl_verify", "redis_server_name", "redis_username"]);
  });

  it("refuses fields and limit_by values the version does not know", () => {
    expect(pluginConfig("2.0.5", "rate-limiting", { second: 5, limit_by: "header" }, {}))
      .to.deep.equal({ errors: { config: { limit_by: "expected one of: consumer, credential, ip, service" } } });
    expect(pluginConfig("2.2.2", "key-auth", { key_in_header: false }, {})).to.deep.equal({ errors: { config: { key_in_header: "unknown field" } } });
    expect(pluginConfig("2.6.0", "key-auth", { key_in_header: null }, {})).to.deep.equal({ errors: { config: { key_in_header: "required field missing" } } });
  });

  it("reads a config written by another version in the reader's shape", () => {
    const written151 = (pluginConfig("1.5.1", "rate-limiting", { second: 5 }, {}) as { config: Record<string, unknown> }).config;
    const read = configOnRead("2.6.0", "rate-limiting", written151) as Record<string, unknown>;
    expect(read).to.include({ header_name: null, path: null, second: 5, policy: "cluster" });
    const written285 = (pluginConfig("2.8.5", "rate-limiting", { second: 5 }, {}) as { config: Record<string, unknown> }).config;
    expect(configOnRead("2.6.0", "rate-limiting", written285)).to.not.have.property("redis_ssl");
    expect(configOnRead("2.6.0", "key-auth", { key_names: ["apikey"], key_in_query: null })).to.include({ key_in_header: true, key_in_query: true });
  });

  it("shows a route's buffering flags as true when the row predates them", () => {
    const row = { id: ROUTE, name: "r", protocols: ["http"], paths: ["/"], request_buffering: null };
    expect(toApi("2.6.0", "routes", row)).to.include({ request_buffering: true, response_buffering: true });
    expect(toApi("2.1.0", "routes", row)).to.not.have.property("request_buffering");
  });
});
