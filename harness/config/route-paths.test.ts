import { expect } from "chai";
import { isRegexPath, kong3Path, normalizePath } from "./route-paths.ts";

describe("route paths across Kong 3.0", () => {
  it("a pre-3.0 path is a regex when it holds a character outside [a-zA-Z0-9.-_~/%]", () => {
    for (const plain of ["/orders", "/a-b_c.d~e/%2F", "/"]) expect(isRegexPath(plain), plain).to.equal(false);
    for (const regex of ["/orders/\\d+", "/files/*", "/v1/(a|b)", "/x$", "/a b"]) expect(isRegexPath(regex), regex).to.equal(true);
  });

  it("gives a regex the ~ prefix, decoding its percent-encodings (metacharacters escaped, reserved ones kept)", () => {
    expect(kong3Path("/orders/\\d+")).to.equal("~/orders/\\d+");
    expect(kong3Path("/x/%41+")).to.equal("~/x/A+");
    expect(kong3Path("/v%2E1/\\d+")).to.equal("~/v\\.1/\\d+");
    expect(kong3Path("/q%3a(\\d+)")).to.equal("~/q%3A(\\d+)");
  });

  it("normalizes a plain path: unreserved encodings decoded, dot segments removed, slashes merged", () => {
    expect(kong3Path("/orders")).to.equal("/orders");
    expect(kong3Path("/o%7ea")).to.equal("/o~a");
    expect(kong3Path("/a%2fb")).to.equal("/a%2Fb");
    expect(kong3Path("/caf%C3%A9")).to.equal("/café");
    expect(kong3Path("/a/./b//c/../d")).to.equal("/a/b/d");
    expect(normalizePath("/a/..")).to.equal("/");
    expect(normalizePath("/")).to.equal("/");
  });
});
