import { expect } from "chai";
import { HeaderMap } from "./context.ts";
import { response, nodeOf, pluginRequest } from "./request.fixture.ts";
import { responseTransformerPlugin, splitPair, transformHeaders, transformJsonBody } from "./response-transformer.ts";

const conf = (c: Record<string, unknown>) => responseTransformerPlugin.parse(c, "2.5.1");

describe("stand-in plugin response-transformer", () => {
  it("splits `name:value` as schema.lua's pattern does", () => {
    expect(splitPair("x-a:b:c")).to.deep.equal({ name: "x-a", value: "b:c" });
    expect(splitPair("x-a::b")).to.deep.equal({ name: "x-a", value: "b" });
    expect(splitPair("x-a:")).to.deep.equal({ name: "x-a", value: undefined });
  });

  it("removes, renames, replaces, adds and appends, each decided on the headers before the plugin ran", () => {
    const h = HeaderMap.from({ "x-upstream": "echo", "x-old": "o", "x-rep": "r", "content-type": "application/json", "content-length": "10" });
    transformHeaders(conf({
      remove: { headers: ["x-upstream"], json: ["k"] }, rename: { headers: ["x-old:x-new"] }, replace: { headers: ["x-rep:R", "x-none:N"] },
      add: { headers: ["x-upstream:again", "x-added:1"] }, append: { headers: ["x-app:a", "x-app:b"] },
    }), h, true);
    expect(h.toObject()).to.deep.equal({ "x-rep": "R", "content-type": "application/json", "x-new": "o", "x-added": "1", "x-app": ["a", "b"] });
  });

  it("rewrites top-level JSON keys and encodes like lua-cjson", () => {
    const c = conf({ add: { json: ["added:yes", "n:5", "b:true"], json_types: ["string", "number", "boolean"] }, remove: { json: ["drop"] },
      replace: { json: ["method:REPLACED", "absent:x"] }, append: { json: ["list:z", "s:two"] } });
    expect(transformJsonBody(c, JSON.stringify({ method: "GET", drop: 1, list: ["y"], s: "one", path: "/a/b" })))
      .to.equal('{"method":"REPLACED","list":["y","z"],"s":["one","two"],"path":"\\/a\\/b","added":"yes","n":5,"b":true}');
    expect(transformJsonBody(c, "not json")).to.equal(undefined);
  });

  it("buffers only JSON answers when JSON transforms are set, and works on Kong's own answers too", () => {
    const c = conf({ add: { json: ["a:1"], headers: ["x-added:1"] } });
    const ctx = pluginRequest();
    expect(responseTransformerPlugin.wantsBody!(c, ctx, response(200, { "content-type": "application/json; charset=utf-8" }))).to.equal(true);
    expect(responseTransformerPlugin.wantsBody!(c, ctx, response(200, { "content-type": "text/plain" }))).to.equal(false);
    const own = response(401, { "Content-Type": "application/json; charset=utf-8", "Content-Length": "41" }, true);
    responseTransformerPlugin.headerFilter!(c, ctx, own, nodeOf("2.5.1"));
    expect(own.headers.toObject()).to.deep.equal({ "Content-Type": "application/json; charset=utf-8", "x-added": "1" });
  });
});
