import { expect } from "chai";
import { cacheKeyFormat, pluginCacheKey, translatesPluginKeys, withoutWorkspace } from "./cache-keys.ts";

describe("stand-in node: cache-key formats", () => {
  it("builds 2.0's six-field keys and 2.1+'s seven-field keys with the workspace", () => {
    expect(cacheKeyFormat("2.0.5", null)("consumers", "abc")).to.equal("consumers:abc::::");
    expect(cacheKeyFormat("1.5.1", "ws")("keyauth_credentials", "k")).to.equal("keyauth_credentials:k::::");
    expect(cacheKeyFormat("2.1.4", "ws")("consumers", "abc")).to.equal("consumers:abc:::::ws");
    expect(cacheKeyFormat("2.6.0", "ws")("consumers", "abc")).to.equal(cacheKeyFormat("2.8.5", "ws")("consumers", "abc"));
  });

  it("keys plugins by name, route, service and consumer", () => {
    const fmt = cacheKeyFormat("2.6.0", "ws");
    expect(pluginCacheKey(fmt, { name: "key-auth", service_id: "s1", route_id: null })).to.equal("plugins:key-auth::s1:::ws");
  });

  it("turns a 2.1+ plugin key into 2.0's by dropping `:<ws_id>`, as plugins.lua's translator (2.1 to 2.8) does", () => {
    const ws = "0d3a5c9e-7f5b-4c4e-9d2f-1b2c3d4e5f60";
    const row = { name: "key-auth", route_id: "r1" };
    expect(withoutWorkspace(pluginCacheKey(cacheKeyFormat("2.6.0", ws), row))).to.equal(pluginCacheKey(cacheKeyFormat("2.0.5", null), row));
    expect(["1.5.1", "2.0.5", "2.1.4", "2.8.5", "3.0.1"].map(translatesPluginKeys)).to.deep.equal([false, false, true, true, false]);
  });
});
