import { expect } from "chai";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { claimErrors, decodeJwt, jwtCredentialHeaders, jwtPlugin, retrieveToken, verifySignature, type DecodedJwt } from "./jwt.ts";
import { nodeOf, pluginRequest } from "./request.fixture.ts";

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64url");
function token(claims: Record<string, unknown>, alg = "HS256", key: string | Buffer = "secret"): string {
  const head = `${b64(JSON.stringify({ typ: "JWT", alg }))}.${b64(JSON.stringify(claims))}`;
  const sig = alg.startsWith("HS") ? createHmac(`sha${alg.slice(2)}`, key).update(head).digest() : Buffer.alloc(0);
  return `${head}.${b64(sig)}`;
}
const conf = jwtPlugin.parse({}, "2.5.1");

describe("stand-in plugin jwt", () => {
  it("decodes tokens with the parser's errors", () => {
    expect(decodeJwt("not.a.token", "2.5.1")).to.deep.equal({ error: "invalid JSON" });
    expect(decodeJwt("onlyone", "2.5.1")).to.deep.equal({ error: "invalid JSON" });
    expect(decodeJwt(`${b64('{"alg":"none"}')}.${b64("{}")}.`, "2.5.1")).to.deep.equal({ error: "invalid alg" });
    expect(decodeJwt(`${b64('{"alg":"ES384"}')}.${b64("{}")}.`, "2.3.3")).to.deep.equal({ error: "invalid alg" });
    expect(decodeJwt(`${b64('{"alg":"ES384"}')}.${b64("{}")}.`, "2.4.1")).to.not.have.property("error");
    expect(decodeJwt(`${b64('{"alg":"HS256"}')}.${b64("null")}.`, "2.5.1")).to.deep.equal({ error: "invalid claims" });
  });

  it("verifies HS and RS signatures", () => {
    const t = decodeJwt(token({ iss: "k" }), "2.5.1") as DecodedJwt;
    expect(verifySignature(t, "secret")).to.equal(true);
    expect(verifySignature(t, "other")).to.equal(false);
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const head = `${b64(JSON.stringify({ alg: "RS256" }))}.${b64(JSON.stringify({ iss: "k" }))}`;
    const rs = decodeJwt(`${head}.${b64(sign("sha256", Buffer.from(head), privateKey))}`, "2.5.1") as DecodedJwt;
    expect(verifySignature(rs, publicKey.export({ type: "spki", format: "pem" }).toString())).to.equal(true);
    expect(() => verifySignature(rs, "junk")).to.throw("Consumer Public Key is Invalid");
  });

  it("checks exp, nbf and the maximum expiration", () => {
    const now = 1_000_000;
    const check = (claims: Record<string, unknown>, c: Record<string, unknown>) => claimErrors(decodeJwt(token(claims), "2.5.1") as DecodedJwt, jwtPlugin.parse(c, "2.5.1"), now);
    expect(check({ exp: now - 1 }, { claims_to_verify: ["exp"] })).to.deep.equal({ exp: "token expired" });
    expect(check({ exp: "soon" }, { claims_to_verify: ["exp"] })).to.deep.equal({ exp: "must be a number" });
    expect(check({ nbf: now + 10 }, { claims_to_verify: ["nbf"] })).to.deep.equal({ nbf: "token not valid yet" });
    expect(check({ exp: now + 100 }, { claims_to_verify: ["exp"], maximum_expiration: 50 })).to.deep.equal({ exp: "exceeds maximum allowed expiration" });
    expect(check({ exp: now + 100 }, { claims_to_verify: ["exp"] })).to.equal(undefined);
  });

  it("finds the token in the query, then cookies, then a Bearer header; refuses what is not one string", async () => {
    expect(retrieveToken(conf, pluginRequest({ url: "/?jwt=abc", headers: { authorization: "Bearer def" } }))).to.equal("abc");
    expect(retrieveToken(conf, pluginRequest({ headers: { authorization: "Bearer def" } }))).to.equal("def");
    expect(retrieveToken(jwtPlugin.parse({ cookie_names: ["t"] }, "2.5.1"), pluginRequest({ headers: { cookie: "a=1; t=ghi" } }))).to.equal("ghi");
    const refused = async (url: string) => jwtPlugin.access!(conf, pluginRequest({ url }), nodeOf("2.5.1"));
    expect(await refused("/")).to.deep.equal({ status: 401, form: "exit", body: { message: "Unauthorized" } });
    expect(await refused("/?jwt=a&jwt=b")).to.deep.equal({ status: 401, form: "exit", body: { message: "Multiple tokens provided" } });
    expect(await refused("/?jwt")).to.deep.equal({ status: 401, form: "exit", body: { message: "Unrecognizable token" } });
    expect(await refused("/?jwt=x.y.z")).to.deep.equal({ status: 401, form: "exit", body: { message: "Bad token; invalid JSON" } });
    expect(await refused(`/?jwt=${token({ sub: "x" })}`)).to.deep.equal({ status: 401, form: "exit", body: { message: "No mandatory 'iss' in claims" } });
    expect(await refused(`/?jwt=${token({ iss: "" })}`)).to.deep.equal({ status: 401, form: "exit", body: { message: "Invalid 'iss' in claims" } });
  });

  it("sends the credential headers of each version", () => {
    expect(jwtCredentialHeaders("1.5.1", { key: "k" })).to.deep.equal({ "x-credential-username": null });
    expect(jwtCredentialHeaders("2.0.5", { key: "k" })).to.deep.equal({ "x-credential-identifier": "k" });
    expect(jwtCredentialHeaders("2.5.1", { key: "k" })).to.deep.equal({ "x-credential-identifier": "k", "x-credential-username": null });
    expect(jwtCredentialHeaders("3.0.1", null)).to.deep.equal({ "x-credential-identifier": null });
  });
});
