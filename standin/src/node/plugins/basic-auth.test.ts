import { expect } from "chai";
import { basicAuthHash } from "../admin/credentials.ts";
import { basicAuthCredentialHeaders, basicAuthPlugin, ngxDecodeBase64, parseBasic, passwordMatches } from "./basic-auth.ts";
import { nodeOf, pluginRequest } from "./request.fixture.ts";

const conf = basicAuthPlugin.parse({ anonymous: null, hide_credentials: false }, "2.5.1");

describe("stand-in plugin basic-auth", () => {
  it("hashes passwords as crypto.lua does: sha1(password .. consumer_id), the hash real Kong 2.5.1 stored", () => {
    expect(basicAuthHash("b74221d7-0c90-4fbe-86e6-cff4c708866d", "pw")).to.equal("36af53b9e2df7584fcd70334da7568587ad4bdb2");
    expect(passwordMatches({ consumer_id: "b74221d7-0c90-4fbe-86e6-cff4c708866d", password: "36af53b9e2df7584fcd70334da7568587ad4bdb2" }, "pw")).to.equal(true);
    expect(passwordMatches({ consumer_id: "b74221d7-0c90-4fbe-86e6-cff4c708866d", password: "36af53b9e2df7584fcd70334da7568587ad4bdb2" }, "pw2")).to.equal(false);
  });

  it("reads `Basic base64(user:password)` the way retrieve_credentials does", () => {
    const b = (s: string): string => Buffer.from(s).toString("base64");
    expect(parseBasic(`Basic ${b("alice:s3:cret")}`)).to.deep.equal({ username: "alice", password: "s3:cret" });
    expect(parseBasic(`basic   ${b("alice:")}`)).to.deep.equal({ username: "alice", password: "" });
    expect(parseBasic(`Basic ${b("no-colon")}`)).to.deep.equal({ unrecognized: true });
    expect(parseBasic("Basic !!!")).to.deep.equal({});
    expect(parseBasic("Bearer abc")).to.deep.equal({});
    expect(ngxDecodeBase64("YWJj")?.toString()).to.equal("abc");
    expect(ngxDecodeBase64("YWJjZ")).to.equal(null); // one dangling character
  });

  it("answers 401 Unauthorized with WWW-Authenticate without credentials: kong.response.error from 2.1, exit before", async () => {
    expect(await basicAuthPlugin.access!(conf, pluginRequest(), nodeOf("2.5.1")))
      .to.deep.equal({ status: 401, form: "error", message: "Unauthorized", headers: { "WWW-Authenticate": 'Basic realm="kong"' } });
    expect(await basicAuthPlugin.access!(conf, pluginRequest(), nodeOf("2.0.5")))
      .to.deep.equal({ status: 401, form: "exit", message: "Unauthorized", headers: { "WWW-Authenticate": 'Basic realm="kong"' } });
  });

  it("sends the credential headers of each version", () => {
    const cred = { username: "alice" };
    expect(basicAuthCredentialHeaders("2.0.5", cred)).to.deep.equal({ "x-credential-username": "alice" });
    expect(basicAuthCredentialHeaders("2.5.1", cred)).to.deep.equal({ "x-credential-identifier": "alice", "x-credential-username": "alice" });
    expect(basicAuthCredentialHeaders("3.0.1", cred)).to.deep.equal({ "x-credential-identifier": "alice" });
    expect(basicAuthCredentialHeaders("2.5.1", null)).to.deep.equal({ "x-credential-identifier": null, "x-credential-username": null });
  });
});
