import { expect } from "chai";
import { cacheKeyFormat, pluginCacheKey } from "./cache-keys.ts";

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
});
