import type { IncomingMessage } from "node:http";
import { expect } from "chai";
import { combinedLine, timeLocal } from "./access-log.ts";

const req = (o: Partial<IncomingMessage>): IncomingMessage =>
  ({ method: "POST", url: "/consumers", httpVersion: "1.1", headers: {}, socket: { remoteAddress: "172.18.0.1" }, ...o }) as unknown as IncomingMessage;

describe("stand-in Admin access log (nginx `combined`)", () => {
  it("writes a request as nginx's combined format does", () => {
    const at = new Date(2026, 11, 6, 19, 50, 0);
    const line = combinedLine(req({ headers: { "user-agent": "undici" } }), 201, 187, at);
    expect(line).to.equal(`172.18.0.1 - - [${timeLocal(at)}] "POST /consumers HTTP/1.1" 201 187 "-" "undici"`);
    expect(timeLocal(at)).to.match(/^06\/Dec\/2026:19:50:00 [+-]\d{4}$/);
  });

  it("escapes quotes in headers as nginx does, and shows missing ones as -", () => {
    expect(combinedLine(req({ method: "GET", url: "/status?x", headers: { referer: 'a"b' } }), 200, 0)).to.match(/ "GET \/status\?x HTTP\/1\.1" 200 0 "a\\x22b" "-"$/);
  });
});
