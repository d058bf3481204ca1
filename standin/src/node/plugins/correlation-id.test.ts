import { expect } from "chai";
import { correlationIdPlugin } from "./correlation-id.ts";
import { nodeOf, pluginRequest, response } from "./request.fixture.ts";

const conf = (c: Record<string, unknown> = {}) => correlationIdPlugin.parse({ echo_downstream: true, ...c }, "2.5.1");

describe("stand-in plugin correlation-id", () => {
  it("generates an id for the upstream unless the request has one, and echoes it", async () => {
    const ctx = pluginRequest();
    await correlationIdPlugin.access!(conf(), ctx, nodeOf("2.5.1"));
    const id = ctx.upstreamHeaders["kong-request-id"] as string;
    expect(id).to.match(/^[0-9a-f-]{36}#\d+$/);
    const res = response(200, {});
    correlationIdPlugin.headerFilter!(conf(), ctx, res, nodeOf("2.5.1"));
    expect(res.headers.get("kong-request-id")).to.equal(id);
    const given = pluginRequest({ headers: { "kong-request-id": "given" } });
    await correlationIdPlugin.access!(conf(), given, nodeOf("2.5.1"));
    expect(given.upstreamHeaders["kong-request-id"]).to.equal("given");
  });

  it("counts uuid#counter up and makes uuid and tracker ids", async () => {
    const ids = await Promise.all([0, 1].map(async () => { const c = pluginRequest(); await correlationIdPlugin.access!(conf(), c, nodeOf("2.5.1")); return c.upstreamHeaders["kong-request-id"] as string; }));
    const [a, b] = ids.map((i) => i.split("#"));
    expect(a![0]).to.equal(b![0]);
    expect(Number(b![1]) - Number(a![1])).to.equal(1);
    const u = pluginRequest();
    await correlationIdPlugin.access!(conf({ generator: "uuid" }), u, nodeOf("2.5.1"));
    expect(u.upstreamHeaders["kong-request-id"]).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const t = pluginRequest();
    await correlationIdPlugin.access!(conf({ generator: "tracker" }), t, nodeOf("2.5.1"));
    expect(t.upstreamHeaders["kong-request-id"]).to.match(/^[^-]+-\d+-\d+-\d+-\d+-\d+\.\d{3}$/);
  });

  it("echoes on answers given before its access ran only from 2.1; regenerates an empty header from 2.2", () => {
    const early = (version: string, headers: Record<string, string> = {}) => {
      const res = response(401, {}, true);
      correlationIdPlugin.headerFilter!(conf(), pluginRequest({ headers }), res, nodeOf(version));
      return res.headers.get("kong-request-id");
    };
    expect(early("2.0.5")).to.equal(undefined);
    expect(early("2.5.1")).to.match(/#\d+$/);
    expect(early("2.5.1", { "kong-request-id": "mine" })).to.equal("mine");
    expect(early("2.1.4", { "kong-request-id": "" })).to.equal("");
    expect(early("2.2.2", { "kong-request-id": "" })).to.match(/#\d+$/);
  });
});
