import { expect } from "chai";
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { forwardedPaths, upstreamHeaders } from "./forward.ts";

function request(headers: Record<string, string>): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

describe("stand-in node: X-Forwarded-* headers", () => {
  it("X-Forwarded-Path from 2.2, X-Forwarded-Prefix (the stripped prefix, not `/`) from 2.1", () => {
    expect(forwardedPaths("2.0.5", "/p/x", "/p")).to.deep.equal({ path: null, prefix: null });
    expect(forwardedPaths("2.1.4", "/p/x", "/p")).to.deep.equal({ path: null, prefix: "/p" });
    expect(forwardedPaths("2.6.0", "/p/x", "/p")).to.deep.equal({ path: "/p/x", prefix: "/p" });
    expect(forwardedPaths("2.6.0", "/p/x", null)).to.deep.equal({ path: "/p/x", prefix: null });
    expect(forwardedPaths("2.6.0", "/x", "/")).to.deep.equal({ path: "/x", prefix: null });
  });

  it("replaces the client's X-Forwarded-Path/-Prefix on versions that set them, and passes them on before", () => {
    const sent = { host: "gw:8000", "x-forwarded-path": "/client", "x-forwarded-prefix": "/client" };
    const v26 = upstreamHeaders(request(sent), 8000, "2.6.0", forwardedPaths("2.6.0", "/p/x", null));
    expect([v26["x-forwarded-path"], v26["x-forwarded-prefix"], v26["x-forwarded-host"], v26["x-forwarded-port"]]).to.deep.equal(["/p/x", undefined, "gw", "8000"]);
    const v20 = upstreamHeaders(request(sent), 8000, "2.0.5", forwardedPaths("2.0.5", "/p/x", "/p"));
    expect([v20["x-forwarded-path"], v20["x-forwarded-prefix"]]).to.deep.equal(["/client", "/client"]);
  });
});
