import { expect } from "chai";
import { decodeArgs, orderedArgs, render, requestTransformerPlugin, transformBody } from "./request-transformer.ts";
import { nodeOf, pluginRequest } from "./request.fixture.ts";

const conf = (c: Record<string, unknown>) => requestTransformerPlugin.parse(c, "2.8.5");
const env = { headers: { "x-user": "alice" }, query: new Map<string, string | true | Array<string | true>>([["q", "1"]]), shared: {} };

describe("stand-in plugin request-transformer", () => {
  it("renders the templates it models and leaves the rest empty", () => {
    expect(render("hello $(headers.x_user)!", env)).to.equal("hello alice!");
    expect(render("$(headers['x-user'])-$(query_params.q)", env)).to.equal("alice-1");
    expect(render("$(headers.missing or 'anon')", env)).to.equal("anon");
    expect(render("$(uri_captures.id)", env)).to.equal("");
  });

  it("encodes a query it sets as kong.service.request.set_query does (names sorted)", () => {
    expect(orderedArgs(new Map<string, string | true | Array<string | true>>([["z", "1"], ["a", ["x y", "b"]], ["flag", true]]))).to.equal("a=x%20y&a=b&flag&z=1");
    expect([...decodeArgs("a=1&a=2&b&c=x+y")]).to.deep.equal([["a", ["1", "2"]], ["b", true], ["c", "x y"]]);
  });

  it("rewrites headers, query, path and method in access, keeping the headers nginx sets", async () => {
    const ctx = pluginRequest({ url: "/orders?drop=1&keep=2", headers: { "x-drop": "1", "x-old": "o", "x-rep": "r", "x-app": "orig", "x-forwarded-for": "9.9.9.9" } });
    await requestTransformerPlugin.access!(conf({
      http_method: "POST", add: { headers: ["x-rt:1"], querystring: ["q2:2"] }, remove: { headers: ["x-drop", "x-forwarded-for"], querystring: ["drop"] },
      rename: { headers: ["x-old:x-new"] }, replace: { headers: ["x-rep:replaced"], uri: "/v2/orders" }, append: { headers: ["x-app:appended"] },
    }), ctx, nodeOf("2.8.5"));
    expect(ctx.upstreamHeaders).to.deep.equal({ "x-rep": "replaced", "x-app": ["orig", "appended"], "x-forwarded-for": "9.9.9.9", "x-new": "o", "x-rt": "1" });
    expect([ctx.upstreamMethod, ctx.upstreamPath, ctx.queryString]).to.deep.equal(["POST", "/v2/orders", "keep=2&q2=2"]);
  });

  it("rewrites JSON and form bodies, not others", () => {
    const c = conf({ add: { body: ["a:1"] }, remove: { body: ["x"] } });
    expect(transformBody(c, "application/json", Buffer.from('{"x":1,"y":"/p"}'), env)?.toString()).to.equal('{"y":"\\/p","a":"1"}');
    expect(transformBody(c, "application/x-www-form-urlencoded", Buffer.from("x=1&y=2"), env)?.toString()).to.equal("y=2&a=1");
    expect(transformBody(c, "multipart/form-data; boundary=b", Buffer.from("--b--"), env)).to.equal(undefined);
  });
});
