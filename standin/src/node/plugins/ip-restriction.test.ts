import { expect } from "chai";
import { cidrV4Error, inRange, ipOrCidrError, ipRestrictionPlugin } from "./ip-restriction.ts";
import { nodeOf, pluginRequest } from "./request.fixture.ts";

describe("stand-in plugin ip-restriction", () => {
  it("matches IPv4 and IPv6 addresses and CIDRs, a mapped IPv4 client as IPv4", () => {
    expect(inRange("10.1.2.3", "10.0.0.0/8")).to.equal(true);
    expect(inRange("::ffff:10.1.2.3", "10.0.0.0/8")).to.equal(true);
    expect(inRange("11.1.2.3", "10.0.0.0/8")).to.equal(false);
    expect(inRange("172.18.0.1", "0.0.0.0/0")).to.equal(true);
    expect(inRange("2001:db8::1", "2001:db8::/32")).to.equal(true);
    expect(inRange("10.0.0.1", "::/0")).to.equal(false);
    expect(inRange("10.0.0.1", "10.0.0.1")).to.equal(true);
  });

  it("validates entries as each version's typedef does", () => {
    expect(ipOrCidrError("1.2.3.4/40")).to.equal("invalid ip or cidr range: '1.2.3.4/40'");
    expect(ipOrCidrError("2001:db8::/48")).to.equal(undefined);
    expect(cidrV4Error("1.2.3.4/33")).to.equal("invalid cidr range: Invalid prefix: /33");
    expect(cidrV4Error("1.2.3")).to.equal("invalid cidr range: Invalid IP");
    expect(cidrV4Error("1.2.3.256")).to.equal("invalid cidr range: Invalid octet: 256");
  });

  it("denies, then requires the allow list; status and message from 2.7", () => {
    const run = (version: string, config: Record<string, unknown>) =>
      ipRestrictionPlugin.access!(ipRestrictionPlugin.parse(config, version), pluginRequest({ remote: "10.0.0.5" }), nodeOf(version));
    expect(run("2.5.1", { deny: ["10.0.0.0/24"] })).to.deep.equal({ status: 403, form: "error", message: "Your IP address is not allowed" });
    expect(run("2.5.1", { allow: ["10.0.0.5"] })).to.equal(undefined);
    expect(run("2.5.1", { allow: ["10.0.1.0/24"] })).to.deep.equal({ status: 403, form: "error", message: "Your IP address is not allowed" });
    expect(run("2.0.5", { blacklist: ["10.0.0.0/24"] })).to.deep.equal({ status: 403, form: "exit", message: "Your IP address is not allowed" });
    expect(run("2.7.2", { deny: ["10.0.0.0/24"], status: 401, message: "go away" })).to.deep.equal({ status: 401, form: "error", message: "go away" });
  });
});
