import { expect } from "chai";
import { Router, sanitizePostfix, upstreamUri } from "./router.ts";

const svc = { id: "s", host: "up", port: 80, path: null };
const route = (id: string, extra: Record<string, unknown>) => ({ id, service_id: "s", strip_path: true, path_handling: "v0", regex_priority: 0, created_at: 1, ...extra });
const match = (r: Router, path: string, host = "h", method = "GET") => r.match(method, host, path, {});

describe("stand-in node: router", () => {
  it("prefers the longest plain prefix and strips it", () => {
    const r = new Router([route("short", { paths: ["/a"] }), route("long", { paths: ["/a/b"] })], [svc], "2.6.0");
    expect(match(r, "/a/b/c")?.route.id).to.equal("long");
    expect(match(r, "/a/b/c")?.upstreamPath).to.equal("/c");
    expect(match(r, "/a/x")?.route.id).to.equal("short");
    expect(match(r, "/b")).to.equal(null);
  });

  it("tries routes with more kinds of criteria first, then regex routes by regex_priority", () => {
    const r = new Router([
      route("paths", { paths: ["/v"] }),
      route("host+paths", { paths: ["/v"], hosts: ["api.test"] }),
      route("re-low", { paths: ["/r/\\d+"], regex_priority: 1 }),
      route("re-high", { paths: ["/r/1\\d*"], regex_priority: 5 }),
    ], [svc], "2.6.0");
    expect(match(r, "/v", "api.test")?.route.id).to.equal("host+paths");
    expect(match(r, "/v", "other.test")?.route.id).to.equal("paths");
    expect(match(r, "/r/15")?.route.id).to.equal("re-high");
    expect(match(r, "/r/25")?.route.id).to.equal("re-low");
  });

  it("matches wildcard hosts and methods, ignoring the Host port", () => {
    const r = new Router([route("w", { hosts: ["*.example.test"], methods: ["POST"] })], [svc], "2.6.0");
    expect(match(r, "/", "a.example.test:8000", "POST")?.route.id).to.equal("w");
    expect(match(r, "/", "a.example.test", "GET")).to.equal(null);
  });

  it("reads 3.0's `~` regex prefix only from 2.8.2 on", () => {
    const routes = [route("re", { paths: ["~/items/\\d+$"] })];
    expect(match(new Router(routes, [svc], "2.8.5"), "/items/12")?.route.id).to.equal("re");
    expect(match(new Router(routes, [svc], "2.8.1"), "/items/12")).to.equal(null);
  });

  it("drops routes of a disabled service (2.7+)", () => {
    const r = new Router([route("x", { paths: ["/x"] })], [{ ...svc, enabled: false }], "2.7.2");
    expect(match(r, "/x")).to.equal(null);
  });

  it("joins service and request paths as router.lua does, per path_handling", () => {
    // strip_path, path matched: the remainder after the prefix.
    expect(upstreamUri("/s", "/p/x", true, "/x", "v0")).to.equal("/s/x");
    expect(upstreamUri("/s/", "/p/x", true, "/x", "v0")).to.equal("/s/x");
    expect(upstreamUri("/s", "/px", true, "x", "v0")).to.equal("/s/x");
    expect(upstreamUri("/s", "/px", true, "x", "v1")).to.equal("/sx");
    expect(upstreamUri(null, "/p", true, "", "v0")).to.equal("/");
    expect(upstreamUri("/s", "/p", true, "", "v0")).to.equal("/s");
    expect(upstreamUri("/s", "/p/", true, "", "v0")).to.equal("/s/");
    // No path matched (a host route): the request path without its leading slash is the remainder.
    expect(upstreamUri("/base", "/anything", true, null, "v0")).to.equal("/base/anything");
    expect(upstreamUri("/base", "/anything", true, null, "v1")).to.equal("/baseanything");
    // strip_path=false keeps the request path; v1 drops its leading slash (1.5.1's default).
    expect(upstreamUri("/base", "/p1/nostrip/a", false, "/a", "v0")).to.equal("/base/p1/nostrip/a");
    expect(upstreamUri("/base", "/p1/nostrip/a", false, "/a", "v1")).to.equal("/basep1/nostrip/a");
    expect(upstreamUri("/base/", "/p1/a", false, "/a", "v0")).to.equal("/base/p1/a");
    expect(upstreamUri("/base", "/", false, null, "v0")).to.equal("/base");
  });

  it("reports the stripped prefix only for a strip_path route that matched a path", () => {
    const r = new Router([
      route("strip", { paths: ["/p1/pub"] }), route("keep", { paths: ["/p1/nostrip"], strip_path: false }), route("host", { hosts: ["h.test"] }),
      route("re", { paths: ["/r/\\d+"] }),
    ], [{ ...svc, path: "/base" }], "2.6.0");
    expect(match(r, "/p1/pub/some/path")).to.include({ upstreamPath: "/base/some/path", strippedPrefix: "/p1/pub" });
    expect(match(r, "/p1/nostrip/a/b")).to.include({ upstreamPath: "/base/p1/nostrip/a/b", strippedPrefix: null });
    expect(match(r, "/anything", "h.test")).to.include({ upstreamPath: "/base/anything", strippedPrefix: null });
    expect(match(r, "/r/12/x")).to.include({ upstreamPath: "/base/x", strippedPrefix: "/r/12" });
  });

  it("sanitizes the remainder from 2.3.3 on", () => {
    expect(sanitizePostfix("../etc")).to.equal("etc");
    expect(sanitizePostfix("./x")).to.equal("x");
    expect(sanitizePostfix("..")).to.equal("");
    const routes = [route("p", { paths: ["/p"] })];
    expect(match(new Router(routes, [svc], "2.6.0"), "/p../x")?.upstreamPath).to.equal("/x");
    expect(match(new Router(routes, [svc], "2.2.2"), "/p../x")?.upstreamPath).to.equal("/../x");
  });
});
