import { expect } from "chai";
import { HeaderMap } from "./context.ts";
import { configureOrigin, corsPlugin, normalizeOrigin, type CorsConfig } from "./cors.ts";
import { nodeOf, pluginRequest, response } from "./request.fixture.ts";

const conf = (c: Partial<CorsConfig> = {}): CorsConfig => corsPlugin.parse({ methods: ["GET", "POST"], ...c } as Record<string, unknown>, "2.5.1");

describe("stand-in plugin cors", () => {
  it("answers a preflight itself with the Access-Control-Allow-* headers", async () => {
    const ctx = pluginRequest({ method: "OPTIONS", headers: { origin: "https://a.example", "access-control-request-method": "GET", "access-control-request-headers": "X-Foo" } });
    const exit = await corsPlugin.access!(conf({ origins: ["https://a.example"], max_age: 600, credentials: true }), ctx, nodeOf("2.5.1"));
    expect(exit).to.deep.equal({ status: 200, form: "exit" });
    expect(ctx.responseHeaders.toObject()).to.deep.equal({ Vary: "Origin", "Access-Control-Allow-Origin": "https://a.example", "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Headers": "X-Foo", "Access-Control-Allow-Methods": "GET,POST", "Access-Control-Max-Age": "600" });
  });

  it("leaves a plain request or an OPTIONS without Access-Control-Request-Method to the upstream", async () => {
    expect(await corsPlugin.access!(conf(), pluginRequest({ headers: { origin: "https://a.example" } }), nodeOf("2.5.1"))).to.equal(undefined);
    expect(await corsPlugin.access!(conf(), pluginRequest({ method: "OPTIONS", headers: { origin: "https://a.example" } }), nodeOf("2.5.1"))).to.equal(undefined);
    const cont = pluginRequest({ method: "OPTIONS", headers: { origin: "o", "access-control-request-method": "GET" } });
    expect(await corsPlugin.access!(conf({ preflight_continue: true }), cont, nodeOf("2.5.1"))).to.equal(undefined);
    const res = response(200, {});
    corsPlugin.headerFilter!(conf(), cont, res, nodeOf("2.5.1"));
    expect(res.headers.names()).to.deep.equal([]); // a continued preflight gets no CORS headers from Kong
  });

  it("matches origins exactly, by regex (anchored, on the host unless the entry has a port or scheme), and clears a miss from 2.0", () => {
    const origins = ["https://a.example", "http://.*\\.b\\.example", "c\\.example"];
    const allow = (origin: string, version = "2.5.1"): string | undefined => {
      const h = HeaderMap.from({ "Access-Control-Allow-Origin": "from-upstream" });
      configureOrigin(version, conf({ origins }), origin, h, true);
      return h.first("access-control-allow-origin");
    };
    expect(allow("https://a.example:443")).to.equal("https://a.example");
    expect(allow("http://x.b.example")).to.equal("http://x.b.example");
    expect(allow("https://c.example")).to.equal("https://c.example");
    expect(allow("https://evil.example")).to.equal(undefined);
    expect(allow("https://evil.example", "1.5.1")).to.equal("from-upstream");
    expect(normalizeOrigin("http://h.example:80")).to.deep.equal({ domain: "http://h.example", host: "h.example" });
    expect(normalizeOrigin("h.example")).to.deep.equal({ domain: "h.example", host: "h.example" });
  });

  it("sets Vary: Origin per version: only when the origin depends on the request (1.5), always (2.0-2.7), not for `*` (2.8+)", () => {
    const vary = (version: string, origins: string[] | null): unknown => {
      const h = new HeaderMap();
      configureOrigin(version, conf({ origins }), "https://a.example", h, true);
      return h.get("vary");
    };
    expect([vary("1.5.1", null), vary("1.5.1", ["https://x.example"])]).to.deep.equal([undefined, "Origin"]);
    expect([vary("2.5.1", null), vary("2.5.1", ["https://x.example"])]).to.deep.equal(["Origin", "Origin"]);
    expect([vary("2.8.5", null), vary("2.8.5", ["*"]), vary("3.0.1", ["https://x.example"])]).to.deep.equal([undefined, undefined, "Origin"]);
  });

  it("echoes the request origin instead of `*` when credentials are allowed, and exposes headers", () => {
    const ctx = pluginRequest({ headers: { origin: "https://a.example" } });
    const res = response(200, { vary: "Accept-Encoding" });
    corsPlugin.headerFilter!(conf({ credentials: true, exposed_headers: ["X-Up"] }), ctx, res, nodeOf("2.5.1"));
    expect(res.headers.toObject()).to.deep.equal({ Vary: ["Accept-Encoding", "Origin"], "Access-Control-Allow-Origin": "https://a.example",
      "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "X-Up" });
  });
});
