import { expect } from "chai";
import { buildExit, responseType } from "./response.ts";

describe("stand-in plugins: answers Kong gives itself", () => {
  it("fills kong.response.error's template for the Accept header's type (JSON by default)", () => {
    const json = buildExit({ status: 401, form: "error", message: "Unauthorized" }, undefined, "message");
    expect(json.body.toString()).to.equal('{\n  "message":"Unauthorized"\n}');
    expect(json.headers).to.deep.equal({ "Content-Type": "application/json; charset=utf-8" });
    expect(buildExit({ status: 403, form: "error" }, "text/plain", "message").body.toString()).to.equal("Forbidden\n");
    expect(responseType("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).to.equal("text/html; charset=utf-8");
    expect(responseType("*/*")).to.equal("application/json; charset=utf-8");
    expect(responseType("image/png")).to.equal("application/json; charset=utf-8");
  });

  it("encodes kong.response.exit tables compactly and sends no body when there is none", () => {
    expect(buildExit({ status: 429, form: "exit", message: "API rate limit exceeded", headers: { "Retry-After": "1" } }, undefined, "message"))
      .to.deep.equal({ headers: { "Content-Type": "application/json; charset=utf-8", "Retry-After": "1" }, body: Buffer.from('{"message":"API rate limit exceeded"}') });
    expect(buildExit({ status: 200, form: "exit" }, undefined, "message").body.length).to.equal(0);
    expect(buildExit({ status: 401, form: "exit", body: { exp: "token expired" } }, undefined, "message").body.toString()).to.equal('{"exp":"token expired"}');
  });

  it("renames the message field under the error-body-changed switch", () => {
    expect(buildExit({ status: 401, form: "error", message: "Unauthorized" }, undefined, "error").body.toString()).to.equal('{"error":"Unauthorized"}');
  });
});
