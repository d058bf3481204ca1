import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import { accessLogReplay, buildReplay, parseAccessLog, parseTimeLocal, requestShape } from "./access-log.ts";

const line = (time: string, request: string, status = 200, extra = ""): string =>
  `203.0.113.7 - - [${time}] "${request}" ${status} 512 "https://www.storefront.test/" "Mozilla/5.0 (X11; Linux x86_64)"${extra}`;

describe("load: access log", function () {
  it("reads $time_local with its zone", function () {
    expect(parseTimeLocal("14/Mar/2025:10:15:00 +0000")).to.equal(Date.UTC(2025, 2, 14, 10, 15, 0));
    expect(parseTimeLocal("10/Oct/2000:13:55:36 -0700")).to.equal(Date.UTC(2000, 9, 10, 20, 55, 36));
    expect(parseTimeLocal("10/Foo/2000:13:55:36 -0700")).to.equal(undefined);
  });

  it("parses combined lines: method, target with query, absolute-form host; later fields ignored", function () {
    const log = [
      line("14/Mar/2025:10:15:00 +0000", "GET /catalog/products?page=2&sort=new HTTP/1.1"),
      line("14/Mar/2025:10:15:01 +0000", "POST /cart/items HTTP/1.1", 401, ` "-" 0.004`),
      line("14/Mar/2025:10:15:02 +0000", "GET http://shop.storefront.test/products/x HTTP/1.1"),
      `203.0.113.9 - frank [14/Mar/2025:10:15:03 +0000] "GET /q?s=\\"a b\\" HTTP/1.0" 200 - "-" "curl/8.5.0"`,
    ].join("\n");
    const parsed = parseAccessLog(log, "fixture.log");
    expect(parsed.requests.map(({ line: n, method, target, host }) => ({ n, method, target, host }))).to.deep.equal([
      { n: 1, method: "GET", target: "/catalog/products?page=2&sort=new", host: undefined },
      { n: 2, method: "POST", target: "/cart/items", host: undefined },
      { n: 3, method: "GET", target: "/products/x", host: "shop.storefront.test" },
    ]);
    // Line 4 is in the format, but its request line has a space in the target: not replayable.
    expect(parsed.skipped).to.equal(1);
    expect(parsed.requests[1]!.timeMs - parsed.requests[0]!.timeMs).to.equal(1000);
  });

  it("counts well-formed lines that are not HTTP requests, and skips blank lines", function () {
    const log = [
      line("14/Mar/2025:10:15:00 +0000", "GET / HTTP/1.1"),
      "",
      line("14/Mar/2025:10:15:00 +0000", "-", 400),
      line("14/Mar/2025:10:15:00 +0000", "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03", 400),
      line("14/Mar/2025:10:15:01 +0000", "CONNECT example.test:443 HTTP/1.1", 400),
    ].join("\n");
    const parsed = parseAccessLog(log, "fixture.log");
    expect(parsed.requests).to.have.length(1);
    expect(parsed.skipped).to.equal(3);
  });

  it("refuses lines not in the format, naming each line number", function () {
    const log = [line("14/Mar/2025:10:15:00 +0000", "GET / HTTP/1.1"), "GET /cart 200", line("14/Mar/2025:10:15:00 +0000", "GET / HTTP/1.1"), `{"request":"GET /"}`].join("\n");
    expect(() => parseAccessLog(log, "mixed.log")).to.throw(InvalidConfigError, /^access log mixed\.log: not in nginx "combined" .* format at line 2: GET \/cart 200; line 4: \{"request":"GET \/"\}$/);
    expect(() => parseAccessLog(line("14/Mar/2025:10:15:00 +0000", "-", 400), "junk.log")).to.throw(InvalidConfigError, "access log junk.log has no request to replay (1 line was not an HTTP request)");
  });

  it("folds numeric and UUID-like path segments into one request shape; the query never counts", function () {
    expect(requestShape({ method: "GET", target: "/cart/items/42?x=1" })).to.equal("GET /cart/items/:id");
    expect(requestShape({ method: "GET", target: "/orders/3f2b8c1e-9a4d-4c7e-8f00-1b2c3d4e5f60/status" })).to.equal("GET /orders/:id/status");
    expect(requestShape({ method: "GET", target: "/catalog/products/ABC-12345" })).to.equal("GET /catalog/products/ABC-12345");
    expect(requestShape({ method: "GET", target: "/", host: "shop.test" })).to.equal("GET shop.test/");
  });

  it("makes one probe per shape, named readably and uniquely, with the first request's query and probe=<name>", function () {
    const log = [
      line("14/Mar/2025:10:15:00 +0000", "GET /search?q=shoes HTTP/1.1"),
      line("14/Mar/2025:10:15:01 +0000", "GET /search?q=hats HTTP/1.1"),
      line("14/Mar/2025:10:15:02 +0000", "GET /cart/items/7 HTTP/1.1"),
      line("14/Mar/2025:10:15:03 +0000", "PATCH /cart/items/9 HTTP/1.1"),
      line("14/Mar/2025:10:15:04 +0000", "GET /search/ HTTP/1.1"),
      line("14/Mar/2025:10:15:05 +0000", "GET http://shop.test/ HTTP/1.1"),
    ].join("\n");
    const replay = buildReplay(parseAccessLog(log, "f.log"), { source: "f.log", speed: 1, maxShapes: 200 });
    expect(replay.probes.map((p) => [p.name, p.method, p.path, p.headers])).to.deep.equal([
      ["log-get-search", "GET", "/search?q=shoes&probe=log-get-search", { "x-kuh-probe": "log-get-search" }],
      ["log-get-cart-items-id", "GET", "/cart/items/7?probe=log-get-cart-items-id", { "x-kuh-probe": "log-get-cart-items-id" }],
      ["log-patch-cart-items-id", "PATCH", "/cart/items/9?probe=log-patch-cart-items-id", { "x-kuh-probe": "log-patch-cart-items-id" }],
      ["log-get-search-2", "GET", "/search/?probe=log-get-search-2", { "x-kuh-probe": "log-get-search-2" }],
      ["log-get-root", "GET", "/?probe=log-get-root", { "x-kuh-probe": "log-get-root", host: "shop.test" }],
    ]);
    expect(replay.probes.every((p) => p.purpose === "log-replay" && p.expect.length === 0)).to.equal(true);
    expect(replay.events.map((e) => [e.target, e.probe])).to.deep.equal([
      ["/search?q=shoes", "log-get-search"], ["/search?q=hats", "log-get-search"], ["/cart/items/7", "log-get-cart-items-id"],
      ["/cart/items/9", "log-patch-cart-items-id"], ["/search/", "log-get-search-2"], ["/", "log-get-root"],
    ]);
  });

  it("offsets from the first request divided by the speed-up; one second's requests spread over it; loops after span + mean gap", function () {
    const log = [
      line("14/Mar/2025:10:15:02 +0000", "GET /b HTTP/1.1"),
      line("14/Mar/2025:10:15:00 +0000", "GET /a HTTP/1.1"),
      line("14/Mar/2025:10:15:02 +0000", "GET /c HTTP/1.1"),
      line("14/Mar/2025:10:15:02 +0000", "GET /d HTTP/1.1"),
      line("14/Mar/2025:10:15:06 +0000", "GET /e HTTP/1.1"),
    ].join("\n");
    const replay = buildReplay(parseAccessLog(log, "f.log"), { source: "f.log", speed: 4, maxShapes: 200 });
    expect(replay.events.map((e) => [e.target, Math.round(e.offsetMs * 1000) / 1000])).to.deep.equal([
      ["/a", 0], ["/b", 500], ["/c", 583.333], ["/d", 666.667], ["/e", 1500],
    ]);
    expect(replay.periodMs).to.equal(1500 + 1500 / 4);
  });

  it("refuses more request shapes than allowed, naming the line that is one too many", function () {
    const log = Array.from({ length: 5 }, (_, i) => line("14/Mar/2025:10:15:00 +0000", `GET /p${i} HTTP/1.1`)).join("\n");
    expect(() => buildReplay(parseAccessLog(log, "many.log"), { source: "many.log", speed: 1, maxShapes: 3 }))
      .to.throw(InvalidConfigError, "access log many.log has more than 3 distinct request shapes (method and path, numeric ids folded; line 4 is one too many)");
  });

  it("reads the file when the profile is defined: a missing file or a bad speed is an input error", function () {
    const dir = mkdtempSync(join(tmpdir(), "kuh-log-"));
    const file = join(dir, "access.log");
    writeFileSync(file, line("14/Mar/2025:10:15:00 +0000", "GET / HTTP/1.1") + "\n");
    expect(accessLogReplay({ file, speed: 2 }).events).to.have.length(1);
    expect(() => accessLogReplay({ file: join(dir, "nope.log") })).to.throw(InvalidConfigError, `access log ${join(dir, "nope.log")} cannot be read: ENOENT`);
    expect(() => accessLogReplay({ file, speed: 0 })).to.throw(InvalidConfigError, "speed must be a number > 0, got 0");
  });
});
