import { expect } from "chai";
import { Router, joinPath } from "./router.ts";

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

  it("joins service and request paths per path_handling", () => {
    expect(joinPath("/s", "/x", "v0")).to.equal("/s/x");
    expect(joinPath("/s/", "/x", "v0")).to.equal("/s/x");
    expect(joinPath("/s", "x", "v0")).to.equal("/s/x");
    expect(joinPath("/s", "x", "v1")).to.equal("/sx");
    expect(joinPath(null, "", "v0")).to.equal("/");
    expect(joinPath("/s", "", "v0")).to.equal("/s");
  });
});
