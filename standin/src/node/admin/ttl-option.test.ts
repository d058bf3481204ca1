import { expect } from "chai";
import { ttlFloorError, withTtl } from "./ttl-option.ts";

describe("stand-in Admin API: key-auth `ttl`", () => {
  it("raises Kong's floor() error for a ttl that is not a number, with the line of each version's dao/init.lua", () => {
    expect(ttlFloorError("2.5.1", "keyauth_credentials", { key: "k", ttl: null })).to.equal("kong/db/dao/init.lua:203: bad argument #1 to 'floor' (number expected, got userdata)");
    expect(ttlFloorError("1.5.1", "keyauth_credentials", { ttl: null })).to.equal("kong/db/dao/init.lua:144: bad argument #1 to 'floor' (number expected, got userdata)");
    expect(ttlFloorError("2.0.5", "keyauth_credentials", { ttl: "soon" })).to.equal("kong/db/dao/init.lua:180: bad argument #1 to 'floor' (number expected, got string)");
    expect(ttlFloorError("3.0.1", "keyauth_credentials", { ttl: true })).to.equal("kong/db/dao/init.lua:194: bad argument #1 to 'floor' (number expected, got boolean)");
    expect(ttlFloorError("2.8.5", "keyauth_credentials", { ttl: { a: 1 } })).to.equal("kong/db/dao/init.lua:203: bad argument #1 to 'floor' (number expected, got table)");
  });

  it("lets numbers, numeric strings, an absent ttl and other entities through", () => {
    for (const body of [{ ttl: 10 }, { ttl: "10" }, { key: "k" }]) expect(ttlFloorError("2.5.1", "keyauth_credentials", body)).to.equal(null);
    expect(ttlFloorError("2.5.1", "consumers", { ttl: null })).to.equal(null);
  });

  it("shows `ttl` on Postgres (null when unset, else the seconds left) and not on Cassandra", () => {
    const api = { id: "x", key: "k" };
    expect(withTtl("postgres", "keyauth_credentials", { ttl: null }, api)).to.deep.equal({ id: "x", key: "k", ttl: null });
    const left = withTtl("postgres", "keyauth_credentials", { ttl: new Date(Date.now() + 90_500) }, api).ttl as number;
    expect(left).to.be.within(89, 90);
    expect(withTtl("cassandra", "keyauth_credentials", { ttl: null }, api)).to.deep.equal(api);
    expect(withTtl("postgres", "consumers", {}, api)).to.deep.equal(api);
  });
});
