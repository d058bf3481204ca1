import { expect } from "chai";
import { isWrite, parseAccessLogLine } from "./admin-access-log.ts";

describe("Admin access log lines (nginx `combined`, Docker timestamps)", () => {
  it("reads method, path, status and Docker's time of a line", () => {
    const line = '2026-12-06T19:50:00.123456789Z 172.18.0.1 - - [06/Dec/2026:19:50:00 +0000] "POST /consumers?x=1 HTTP/1.1" 201 187 "-" "undici"';
    expect(parseAccessLogLine(line)).to.deep.equal({ epochMs: Date.parse("2026-12-06T19:50:00.123Z"), method: "POST", path: "/consumers?x=1", status: 201 });
  });

  it("reads a line as real Kong prints it (recorded: ../shared/real-kong, normalized there)", () => {
    const line = '2026-12-06T19:50:01Z 172.18.0.1 - - [06/Dec/2026:19:50:01 +0000] "GET /p1/pub/after-finish HTTP/1.1" 200 512 "-" "conformance-recorder"';
    expect(parseAccessLogLine(line)).to.include({ method: "GET", path: "/p1/pub/after-finish", status: 200, epochMs: Date.parse("2026-12-06T19:50:01.000Z") });
  });

  it("skips error-log lines, Kong's start-up output and lines without Docker's timestamp", () => {
    expect(parseAccessLogLine("2026-12-06T19:50:00.1Z 2026/12/06 19:50:00 [notice] 1#0: start worker process 12")).to.equal(undefined);
    expect(parseAccessLogLine('172.18.0.1 - - [06/Dec/2026:19:50:00 +0000] "POST /consumers HTTP/1.1" 201 187 "-" "-"')).to.equal(undefined);
  });

  it("counts every method but GET, HEAD and OPTIONS as a write", () => {
    expect(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"].filter(isWrite)).to.deep.equal(["POST", "PUT", "PATCH", "DELETE"]);
  });
});
