import { expect } from "chai";
import { describeMismatch, type ProbeAnswer } from "./probes.ts";

describe("probes: a mismatch says what differed", () => {
  const old = { node: "blue-1", probe: "rate-limited", status: 200, fromUpstream: true, headers: { "x-echo": "1", date: "now", "x-ratelimit-remaining-second": "4", "x-ratelimit-limit-second": "5", via: "kong/1.5.1" } };

  it("keeps the status or the error when that is the difference", () => {
    expect(describeMismatch({ probe: "keyauth-ok", status: 401, fromUpstream: false }, "green-1")).to.equal("keyauth-ok got 401");
    expect(describeMismatch({ probe: "public-get", status: null, fromUpstream: false, error: "Headers Timeout Error" }, "green-1")).to.equal("public-get got Headers Timeout Error");
  });

  it("names a 200 that did not come from the upstream, and the headers an old node sent and the new one did not", () => {
    const a: ProbeAnswer = { probe: "rate-limited", status: 200, fromUpstream: false, headers: { date: "later", via: "kong/2.6.0" } };
    expect(describeMismatch(a, "green-1", old)).to.equal("rate-limited got 200: x-echo missing: the answer did not come from the upstream; x-ratelimit-limit-second, x-ratelimit-remaining-second missing on green-1 (blue-1 sent them)");
    expect(describeMismatch(a, "green-1")).to.equal("rate-limited got 200: x-echo missing: the answer did not come from the upstream");
    // An old answer of another status says nothing about this one's headers.
    expect(describeMismatch(a, "green-1", { ...old, status: 429 })).to.equal("rate-limited got 200: x-echo missing: the answer did not come from the upstream");
  });
});
