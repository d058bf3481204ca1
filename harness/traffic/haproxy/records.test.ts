import { expect } from "chai";
import { decodeLogText, parseLogLine, toRequestRecord, transportError, type HaproxyLogLine } from "./records.ts";

const line = (o: Partial<HaproxyLogLine>): HaproxyLogLine => ({
  end: 1_000_000_000, th: 0, ti: 0, ta: 12, tc: 0, tr: 10, be: "blue", gw: "0", srv: "blue-1", st: 200, ts: "--", rc: "0", m: "GET", u: "/echo", probe: "echo", src: "-", id: 1, ...o,
});
const ctx = { seq: 7, epochOffsetMs: 900_000 };

describe("traffic/haproxy: records from HAProxy's log", function () {
  it("turns a normal request into a record on the run clock, with the weight it was split under", function () {
    const r = toRequestRecord(line({ be: "green", srv: "green-2", gw: "25", src: "verifier" }), ctx);
    expect(r).to.deep.equal({
      seq: 7, startMs: 99_988, endMs: 100_000, probe: "echo", method: "GET", path: "/echo", cluster: "green", node: "green-2",
      status: 200, attempts: 1, source: "verifier", clientStatus: 200, greenWeight: 25,
    });
  });

  it("says why a request failed from the termination state, and whose status the client saw", function () {
    const cases: [Partial<HaproxyLogLine>, string][] = [
      [{ ts: "SC", st: 503, tr: -1 }, "connect null 503"],
      [{ ts: "sC", st: 503, tr: -1 }, "connect null 503"],
      [{ ts: "SH", st: 502, tr: -1 }, "reset null 502"],
      [{ ts: "sH", st: 504, tr: -1 }, "timeout null 504"],
      [{ ts: "SD", st: 200, tr: 3 }, "reset 200 null"],
      [{ ts: "CH", st: 400, tr: -1 }, "timeout null null"],
      [{ ts: "cD", st: 200, tr: 3 }, "timeout 200 null"],
      [{ ts: "SC", srv: "<NOSRV>", st: 503, tr: -1 }, "no-backend null 503"],
      [{ ts: "KD", st: 200, tr: 3 }, "reset 200 null"],
      [{ ts: "--", st: 404 }, "none 404 404"],
    ];
    for (const [o, want] of cases) {
      const r = toRequestRecord(line(o), ctx);
      expect(`${r.error ?? "none"} ${r.status} ${r.clientStatus}`, JSON.stringify(o)).to.equal(want);
    }
    expect(transportError(line({ ts: "LR", srv: "<NOSRV>", st: 204 }))).to.equal(undefined);
    expect(toRequestRecord(line({ ts: "sH", st: 504, tr: -1 }), ctx).termination).to.equal("sH");
  });

  it("counts attempts from retries, redispatched or not; none when no server was chosen", function () {
    expect(toRequestRecord(line({ rc: "+2" }), ctx).attempts).to.equal(3);
    expect(toRequestRecord(line({ rc: "1" }), ctx).attempts).to.equal(2);
    expect(toRequestRecord(line({ srv: "<NOSRV>", ts: "SC", tr: -1, st: 503 }), ctx)).to.include({ attempts: 0, node: null, cluster: "blue" });
  });

  it("decodes what HAProxy escaped, and reads only its JSON lines", function () {
    expect(decodeLogText("/a?b=#22c")).to.equal('/a?b="c');
    expect(decodeLogText("-")).to.equal("");
    expect(parseLogLine("backend blue has no server available!")).to.equal(undefined);
    expect(parseLogLine(JSON.stringify(line({})))).to.deep.equal(line({}));
  });
});
