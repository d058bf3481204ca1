import { expect } from "chai";
import { createHash } from "node:crypto";
import { cacheKey, parseDirectives, proxyCachePlugin } from "./proxy-cache.ts";
import { nodeOf, pluginRequest, response } from "./request.fixture.ts";

const conf = (c: Record<string, unknown> = {}) => proxyCachePlugin.parse({ strategy: "memory", content_type: ["application/json"], ...c }, "2.5.1");

describe("stand-in plugin proxy-cache", () => {
  it("keys by route (and consumer), method, the request line without its query, and the sorted query", () => {
    const ctx = pluginRequest({ url: "/pc?b=2&a=1&a=0&flag" });
    const md5 = (s: string): string => createHash("md5").update(s).digest("hex");
    expect(cacheKey(conf(), ctx)).to.equal(md5("route-1|GET|GET /pc|a=0,1:b=2:flag|"));
    expect(cacheKey(conf(), pluginRequest({ url: "/pc" }))).to.equal(md5("route-1|GET|GET /pc HTTP/1.1||"));
    const withConsumer = pluginRequest({ url: "/pc?x=1", headers: { "x-v": "1" } });
    withConsumer.consumer = { id: "c-1" };
    expect(cacheKey(conf({ vary_query_params: ["x"], vary_headers: ["X-V"] }), withConsumer)).to.equal(md5("c-1:route-1|GET|GET /pc|x=1|X-V=1"));
  });

  it("misses, stores a cacheable answer, then hits with Age; bypasses other methods and content types", async () => {
    const c = conf({ cache_ttl: 60 });
    const url = `/pc?run=${Math.random()}`;
    const first = pluginRequest({ url });
    expect(await proxyCachePlugin.access!(c, first, nodeOf("2.5.1"))).to.equal(undefined);
    expect(first.responseHeaders.get("x-cache-status")).to.equal("Miss");
    const res = response(200, { "content-type": "application/json", "x-upstream": "echo", "content-length": "2", "X-RateLimit-Remaining-Minute": "3" });
    proxyCachePlugin.headerFilter!(c, first, res, nodeOf("2.5.1"));
    expect(proxyCachePlugin.wantsBody!(c, first, res)).to.equal(true);
    proxyCachePlugin.bodyFilter!(c, first, res, Buffer.from("{}"), nodeOf("2.5.1"));
    const hit = await proxyCachePlugin.access!(c, pluginRequest({ url }), nodeOf("2.5.1"));
    expect(hit).to.deep.include({ status: 200, form: "exit", proxied: true });
    expect(hit!.headers).to.deep.equal({ "content-type": "application/json", "x-upstream": "echo", Age: "0", "X-Cache-Status": "Hit" });
    expect(hit!.body).to.deep.equal(Buffer.from("{}"));
    const post = pluginRequest({ url, method: "POST" });
    expect(await proxyCachePlugin.access!(c, post, nodeOf("2.5.1"))).to.equal(undefined);
    expect(post.responseHeaders.get("x-cache-status")).to.equal("Bypass");
    const other = pluginRequest({ url: `${url}&other` });
    await proxyCachePlugin.access!(c, other, nodeOf("2.5.1"));
    const text = response(200, { "content-type": "application/json; charset=utf-8" });
    proxyCachePlugin.headerFilter!(c, other, text, nodeOf("2.5.1"));
    expect(text.headers.get("x-cache-status")).to.equal("Bypass"); // the content type must match exactly
  });

  it("reads Cache-Control directives", () => {
    expect(parseDirectives("max-age=60, no-cache, private=\"x\"")).to.deep.equal({ "max-age": 60, "no-cache": true, private: "\"x\"" });
  });
});
