import { expect } from "chai";
import { aclDecision, aclPlugin } from "./acl.ts";
import { nodeOf, pluginRequest } from "./request.fixture.ts";

describe("stand-in plugin acl", () => {
  const allowGold = aclPlugin.parse({ allow: ["gold"], deny: null, hide_groups_header: false }, "2.5.1");
  const denyGold = aclPlugin.parse({ allow: null, deny: ["gold"], hide_groups_header: false }, "2.5.1");

  it("reads allow/deny from 2.1 and whitelist/blacklist before", () => {
    expect(allowGold).to.deep.equal({ type: "ALLOW", groups: ["gold"], hide_groups_header: false });
    expect(aclPlugin.parse({ whitelist: null, blacklist: ["gold"] }, "2.0.5")).to.deep.equal({ type: "DENY", groups: ["gold"], hide_groups_header: false });
  });

  it("blocks by group and passes the consumer's groups upstream", () => {
    expect(aclDecision(allowGold, ["silver"])).to.deep.equal({ blocked: true });
    expect(aclDecision(allowGold, ["silver", "gold"])).to.deep.equal({ blocked: false, header: "silver, gold" });
    expect(aclDecision(denyGold, ["gold"])).to.deep.equal({ blocked: true });
    expect(aclDecision(denyGold, [])).to.deep.equal({ blocked: false, header: "" });
    expect(aclDecision({ ...allowGold, hide_groups_header: true }, ["gold"])).to.deep.equal({ blocked: false, header: "" });
  });

  it("without a consumer: 401 from 2.1 (403 when a credential was presented), 403 before", async () => {
    const exit = async (version: string) => aclPlugin.access!(allowGold, pluginRequest(), nodeOf(version));
    expect(await exit("2.5.1")).to.deep.equal({ status: 401, form: "error" });
    expect(await exit("2.0.5")).to.deep.equal({ status: 403, form: "exit", message: "You cannot consume this service" });
    const withCredential = pluginRequest();
    withCredential.credential = { id: "cred", consumer_id: null };
    expect(await aclPlugin.access!(allowGold, withCredential, nodeOf("2.5.1"))).to.deep.equal({ status: 403, form: "error", message: "You cannot consume this service" });
  });
});
