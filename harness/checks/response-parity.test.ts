import { expect } from "chai";
import { answerFields, differences } from "./parity-compare.ts";
import { applies, DOCUMENTED_DIFFERENCES } from "./parity-differences.ts";
import { F, type ParityAnswer, type ParityProbeSample, type ParitySampleValue } from "./records.ts";
import { MIN_AGREEING, responseParity } from "./response-parity.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const VERSIONS = { old: "1.5.1", new: "2.6.0" } as const;
const BASELINE = { "public-get": 200, "keyauth-ok": 200, "keyauth-missing": 401, "rate-limited": [200, 429] };

/** What the echo upstream receives from a node, Kong's headers included. */
const upstream = (extra: Record<string, string> = {}): ParityAnswer["upstream"] =>
  ({ method: "GET", path: "/public/items", query: "probe=public-get", headers: { host: "echo-upstream:8080", "x-forwarded-for": "172.17.0.1", ...extra } });

const proxied = (node: string, over: Partial<ParityAnswer> = {}, headers: Record<string, string> = {}): ParityAnswer => ({
  node, status: 200, latencyMs: 3, upstream: upstream(),
  headers: { "content-type": "application/json", "x-echo": "1", via: `kong/${node.startsWith("green") ? VERSIONS.new : VERSIONS.old}`, date: "Mon, 01 Jan 2024 00:00:00 GMT", "content-length": "300", ...headers },
  ...over,
});

const refused = (node: string, message = "No API key found in request", headers: Record<string, string> = {}): ParityAnswer => ({
  node, status: 401, latencyMs: 1, body: { message },
  headers: { "content-type": "application/json; charset=utf-8", server: `kong/${node.startsWith("green") ? VERSIONS.new : VERSIONS.old}`, "www-authenticate": 'Key realm="kong"', ...headers },
});

type Answers = readonly [ParityAnswer, ParityAnswer, ParityAnswer];

function fixture(samples: readonly (Readonly<Record<string, Answers>>)[], versions: { old?: string; new?: string } = VERSIONS): RunFixture {
  const fx = new RunFixture({ ...EXPECTATIONS, baseline: BASELINE, versions }).phase("Shift").step(0, 50);
  samples.forEach((probes, i) => {
    fx.at(1_000 * (i + 1));
    const value: ParitySampleValue = {
      purpose: "serving", phase: "Shift", nodes: { old: ["blue-1", "blue-2"], new: "green-1" }, sentMs: 1_000 * (i + 1),
      probes: Object.entries(probes).map(([probe, [a, b, c]]): ParityProbeSample => ({ probe, old: [a, b], new: c })),
    };
    fx.event("parity", F.paritySample, value);
  });
  return fx;
}

const alike = (): Answers => [proxied("blue-1"), proxied("blue-2"), proxied("green-1")];

describe("response-parity", () => {
  it("passes on identical answers, saying how much it compared (version strings are documented)", async () => {
    const r = await responseParity.check(fixture([{ "public-get": alike(), "keyauth-missing": [refused("blue-1"), refused("blue-2"), refused("green-1")] }]).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "old and new nodes answered alike: 1 samples of 2 probes compared (2 new answers); 0 noise fields learned from the two old nodes; 1 documented differences accepted (response header (server|via) version-string)"]);
  });

  it("learns noise from the two old nodes: a date and a latency that differ between them are not compared", async () => {
    const fx = fixture([
      { "public-get": [proxied("blue-1", {}, { "x-kong-proxy-latency": "1" }), proxied("blue-2", {}, { "x-kong-proxy-latency": "4", date: "Mon, 01 Jan 2024 00:00:01 GMT" }), proxied("green-1", {}, { "x-kong-proxy-latency": "9", date: "Mon, 01 Jan 2024 00:00:02 GMT" })] },
      { "public-get": alike() },
    ]);
    const r = await responseParity.check(fx.ctx());
    expect(r.status).to.equal("pass");
    expect(r.message).to.match(/^old and new nodes answered alike: 2 samples of 1 probes compared \(2 new answers\); 2 noise fields learned from the two old nodes/);
    expect(r.evidence).to.include("noise learned from the two old nodes (2 fields): response header date (public-get), response header x-kong-proxy-latency (public-get)");
  });

  it("accepts a documented difference between these versions, with its reason, and fails it between others", async () => {
    const withId = (): Answers => [proxied("blue-1"), proxied("blue-2"), proxied("green-1", { upstream: upstream({ "x-credential-identifier": "6f0e…" }) })];
    const r = await responseParity.check(fixture([{ "public-get": withId() }]).ctx());
    expect(r.status).to.equal("pass");
    expect(r.evidence.some((l) => /^documented \(1 answers\): upstream header x-credential-identifier added \(from 2\.1\.0\): key-auth sends the credential's id/.test(l)), r.evidence.join("\n")).to.equal(true);
    const later = await responseParity.check(fixture([{ "public-get": withId() }], { old: "2.5.1", new: "2.6.0" }).ctx());
    expect(later.status).to.equal("fail");
    expect(later.message).to.contain('public-get: upstream header x-credential-identifier: old missing (blue-1), new "6f0e…" (green-1), during Shift step 50%');
  });

  it("fails a header the upstream no longer receives, naming probe, field, values, nodes and phase", async () => {
    const consumer = { "x-consumer-username": "alice" };
    const r = await responseParity.check(fixture([{ "keyauth-ok": [proxied("blue-1", { upstream: upstream(consumer) }), proxied("blue-2", { upstream: upstream(consumer) }), proxied("green-1")] }]).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", 'old and new nodes answered the same requests differently (1 differences beyond the old nodes\' own noise and the documented ones): keyauth-ok: upstream header x-consumer-username: old "alice" (blue-1), new missing (green-1), during Shift step 50%']);
    expect(r.evidence.at(-1)).to.equal('see history.jsonl (f "parity-sample")');
  });

  it("fails a response header the new node leaves out, counting the samples it was missing in", async () => {
    const limits = { "x-ratelimit-remaining-second": "0", "x-ratelimit-limit-second": "5" };
    const tooMany = (node: string, h: Record<string, string>): ParityAnswer => ({ ...refused(node, "API rate limit exceeded", h), status: 429 });
    const sample = { "rate-limited": [tooMany("blue-1", limits), tooMany("blue-2", limits), tooMany("green-1", { "x-ratelimit-limit-second": "5" })] as Answers };
    const r = await responseParity.check(fixture([sample, sample, sample]).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", 'old and new nodes answered the same requests differently (1 differences beyond the old nodes\' own noise and the documented ones): rate-limited: response header x-ratelimit-remaining-second: old "0" (blue-1), new missing (green-1), during Shift step 50% (in 3 of 3 samples)']);
  });

  it("fails a changed field of Kong's own error body", async () => {
    const r = await responseParity.check(fixture([{ "keyauth-missing": [refused("blue-1"), refused("blue-2"), refused("green-1", "Unauthorized")] }]).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", 'old and new nodes answered the same requests differently (1 differences beyond the old nodes\' own noise and the documented ones): keyauth-missing: body message: old "No API key found in request" (blue-1), new "Unauthorized" (green-1), during Shift step 50%']);
  });

  it("fails a changed status as that one difference, and an answer that no longer comes from the upstream", async () => {
    const status = await responseParity.check(fixture([{ "keyauth-missing": [refused("blue-1"), refused("blue-2"), proxied("green-1")] }]).ctx());
    expect(status.message).to.equal("old and new nodes answered the same requests differently (1 differences beyond the old nodes' own noise and the documented ones): keyauth-missing: status: old 401 (blue-1), new 200 (green-1), during Shift step 50%");
    const kongs = { ...proxied("green-1"), upstream: undefined, headers: { server: "kong/2.6.0" }, body: { message: "ok" } };
    const origin = await responseParity.check(fixture([{ "public-get": [proxied("blue-1"), proxied("blue-2"), kongs] }]).ctx());
    expect(origin.message).to.equal("old and new nodes answered the same requests differently (1 differences beyond the old nodes' own noise and the documented ones): public-get: response header x-echo: old \"1\" (blue-1), new missing (green-1), during Shift step 50%: the answer did not come from the upstream (status 200)");
  });

  it("compares the rate-limited probe only with an old answer of the same status, and its moving counts only once old answers agree", async () => {
    const ok = (node: string, remaining: string): ParityAnswer => proxied(node, {}, { "x-ratelimit-remaining-second": remaining });
    const tooMany = (node: string): ParityAnswer => ({ ...refused(node, "API rate limit exceeded"), status: 429 });
    const r = await responseParity.check(fixture([
      { "rate-limited": [tooMany("blue-1"), tooMany("blue-2"), ok("green-1", "4")] }, // the load decided: not compared
      { "rate-limited": [ok("blue-1", "3"), tooMany("blue-2"), ok("green-1", "2")] }, // one old 200: its count is not a stable value
    ]).ctx());
    expect(r.status, r.message).to.equal("pass");
    expect(r.evidence).to.include("1 left out: the load decided a rate-limited answer (no old answer of the new one's status in that sample)");
    expect(r.evidence).to.include("values compared by presence only, fewer than 3 old answers of that status agreeing on them: rate-limited 200");
    expect(MIN_AGREEING).to.equal(3);
  });

  describe("headers that move with the clock or a rate-limit window", () => {
    const LATER = { old: "2.5.1", new: "2.6.0" } as const;
    /** What rate-limiting (minute: 1200) sends, `reset` seconds before its window ends. */
    const limited = (reset: string, remaining = "1190", date = "Mon, 01 Jan 2024 00:00:25 GMT"): Record<string, string> =>
      ({ date, "ratelimit-limit": "1200", "ratelimit-remaining": remaining, "ratelimit-reset": reset, "x-ratelimit-limit-minute": "1200", "x-ratelimit-remaining-minute": remaining });
    const at = (node: string, headers: Record<string, string>): ParityAnswer =>
      proxied(node, {}, { ...headers, via: `kong/${node.startsWith("green") ? LATER.new : LATER.old}` });

    it("passes a sample whose nodes straddle a second boundary: RateLimit-Reset 35 on the old nodes, 34 on the new one", async () => {
      const r = await responseParity.check(fixture([
        { "public-get": [at("blue-1", limited("35")), at("blue-2", limited("35")), at("green-1", limited("34", "1187", "Mon, 01 Jan 2024 00:00:26 GMT"))] },
        { "public-get": [at("blue-1", limited("33")), at("blue-2", limited("33")), at("green-1", limited("33"))] },
      ], LATER).ctx());
      expect(r.status, r.message).to.equal("pass");
      expect(r.evidence).to.include("noise learned from the two old nodes (0 fields): none");
      expect(r.evidence).to.include("compared by presence and form only, their values moving with the clock or a rate-limit window: date, ratelimit-remaining, ratelimit-reset, x-ratelimit-remaining-minute");
      expect(r.data?.["timeDependent"]).to.deep.equal(["date", "ratelimit-remaining", "ratelimit-reset", "x-ratelimit-remaining-minute"]);
    });

    it("fails a RateLimit-Reset the new node leaves out, naming node, phase and field", async () => {
      const { "ratelimit-reset": _dropped, ...withoutReset } = limited("34");
      const r = await responseParity.check(fixture([
        { "public-get": [at("blue-1", limited("35")), at("blue-2", limited("35")), at("green-1", withoutReset)] },
        { "public-get": [at("blue-1", limited("33")), at("blue-2", limited("33")), at("green-1", limited("33"))] },
      ], LATER).ctx());
      expect([r.status, r.message]).to.deep.equal(["fail", 'old and new nodes answered the same requests differently (1 differences beyond the old nodes\' own noise and the documented ones): public-get: response header ratelimit-reset: old "35" (blue-1), new missing (green-1), during Shift step 50% (in 1 of 2 samples)']);
    });

    it("still compares by value the headers that do not move: a changed limit and a dropped cors Vary fail", async () => {
      const cors = { vary: "Origin", "access-control-allow-origin": "https://www.storefront.test" };
      const r = await responseParity.check(fixture([
        { "public-get": [at("blue-1", { ...limited("35"), ...cors }), at("blue-2", { ...limited("35"), ...cors }), at("green-1", { ...limited("34"), "x-ratelimit-limit-minute": "600", "access-control-allow-origin": "https://www.storefront.test" })] },
      ], LATER).ctx());
      expect(r.status).to.equal("fail");
      expect(r.evidence.slice(0, 2)).to.deep.equal([
        'public-get: response header vary: old "Origin" (blue-1), new missing (green-1), during Shift step 50%',
        'public-get: response header x-ratelimit-limit-minute: old "1200" (blue-1), new "600" (green-1), during Shift step 50%',
      ]);
    });
  });

  it("is unknown without samples, and when no new answer could be compared", async () => {
    const none = await responseParity.check(new RunFixture().ctx());
    expect([none.status, none.message]).to.deep.equal(["unknown", "no parity samples in history.jsonl: old and new nodes never answered the same requests at the same moment"]);
    const dead: ParityAnswer = { node: "green-1", status: null, error: "connect ECONNREFUSED", headers: {}, latencyMs: 0 };
    const r = await responseParity.check(fixture([{ "public-get": [proxied("blue-1"), proxied("blue-2"), dead] }]).ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "1 parity samples, but no new answer could be compared with an old one: 1 probe answers left out: a node gave no answer (availability is zero-failed-requests' verdict)"]);
  });
});

describe("response-parity: fields and documented differences", () => {
  it("names fields by where they were seen, leaving out what follows the body", () => {
    expect([...answerFields(refused("blue-1")).keys()]).to.deep.equal(["status", "response header content-type", "response header server", "response header www-authenticate", "body message"]);
    expect(answerFields(proxied("blue-1")).has("response header content-length")).to.equal(false);
    expect(answerFields(proxied("blue-1")).get("upstream header x-forwarded-for")).to.equal("172.17.0.1");
  });

  it("reports added and removed fields apart from changed ones", () => {
    const a = new Map([["status", "200"], ["response header a", "1"], ["response header b", "x"]]);
    const b = new Map([["status", "200"], ["response header b", "y"], ["response header c", "2"]]);
    expect(differences(a, b)).to.deep.equal([
      { field: "response header a", change: "removed", old: "1" },
      { field: "response header b", change: "changed", old: "x", new: "y" },
      { field: "response header c", change: "added", new: "2" },
    ]);
  });

  it("leaves out hop-by-hop headers: nginx closes a connection at its keepalive_requests with `Connection: close`", () => {
    const a = new Map([["status", "200"], ["response header connection", "keep-alive"], ["response header via", "kong/2.5.1"]]);
    const b = new Map([["status", "200"], ["response header connection", "close"], ["response header via", "kong/2.6.0"]]);
    expect(differences(a, b)).to.deep.equal([{ field: "response header via", change: "changed", old: "kong/2.5.1", new: "kong/2.6.0" }]);
  });

  it("compares the values of clock and latency headers for presence only: one old node twice agrees on them by chance", () => {
    const old = new Map([["status", "200"], ["response header date", "Mon, 01 Jan 2024 00:00:01 GMT"], ["response header x-kong-proxy-latency", "0"], ["response header x-kong-upstream-latency", "1"]]);
    const later = new Map([["status", "200"], ["response header date", "Mon, 01 Jan 2024 00:00:02 GMT"], ["response header x-kong-proxy-latency", "2"], ["response header x-kong-upstream-latency", "1"]]);
    expect(differences(old, later)).to.deep.equal([]);
    const dropped = new Map([["status", "200"], ["response header date", "Mon, 01 Jan 2024 00:00:02 GMT"], ["response header x-kong-upstream-latency", "1"]]);
    expect(differences(old, dropped)).to.deep.equal([{ field: "response header x-kong-proxy-latency", change: "removed", old: "0" }]);
  });

  it("compares rate-limit countdowns and counts by presence and form: a value no longer a count fails", () => {
    const old = new Map([["status", "429"], ["response header ratelimit-reset", "35"], ["response header retry-after", "35"], ["response header x-ratelimit-remaining-second", "0"], ["response header age", "4"]]);
    const later = new Map([["status", "429"], ["response header ratelimit-reset", "34"], ["response header retry-after", "34"], ["response header x-ratelimit-remaining-second", "2"], ["response header age", "5"]]);
    expect(differences(old, later)).to.deep.equal([]);
    const garbled = new Map([...later, ["response header ratelimit-reset", "-1"], ["response header retry-after", "Mon, 01 Jan 2024 00:00:35 GMT"]]);
    expect(differences(old, garbled)).to.deep.equal([
      { field: "response header ratelimit-reset", change: "changed", old: "35", new: "-1" },
      { field: "response header retry-after", change: "changed", old: "35", new: "Mon, 01 Jan 2024 00:00:35 GMT" },
    ]);
    const notADate = new Map([["status", "200"], ["response header date", "yesterday"]]);
    expect(differences(new Map([["status", "200"], ["response header date", "Mon, 01 Jan 2024 00:00:01 GMT"]]), notADate)).to.deep.equal([
      { field: "response header date", change: "changed", old: "Mon, 01 Jan 2024 00:00:01 GMT", new: "yesterday" },
    ]);
  });

  it("applies an entry only across the version that introduced it", () => {
    const id = DOCUMENTED_DIFFERENCES.find((d) => d.field.test("upstream header x-credential-identifier"))!;
    expect([applies(id, { old: "2.0.5", new: "2.6.0" }), applies(id, { old: "2.1.0", new: "2.6.0" }), applies(id, { old: "1.5.1", new: "2.0.5" }), applies(id, {})]).to.deep.equal([true, false, false, false]);
  });
});
