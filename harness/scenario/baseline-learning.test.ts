import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { learnBaseline } from "./baseline-learning.ts";
import type { Probe } from "./seed.ts";

const probe = (name: string, expect: number[], extra: Partial<Probe> = {}): Probe =>
  ({ name, method: "GET", path: `/${name}?probe=${name}`, headers: { "x-kuh-probe": name }, expect, fromUpstream: expect.includes(200), ...extra });

describe("baseline learning: a generated probe expects what the old cluster answers", () => {
  let server: Server;
  let url = "";
  let flap = 0;
  before(async () => {
    server = createServer((req, res) => {
      const name = (req.url ?? "").split("?")[0]!.slice(1);
      if (name === "upstream") { res.writeHead(200, { "x-echo": "1" }); res.end("{}"); return; }
      if (name === "kong-itself") { res.writeHead(200); res.end(); return; }
      if (name === "refused") { res.writeHead(403); res.end(); return; }
      if (name === "broken") { res.writeHead(502); res.end(); return; }
      if (name === "flapping") { res.writeHead(flap++ % 2 === 0 ? 200 : 429, { "x-echo": "1" }); res.end(); return; }
      res.writeHead(404); res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("learns status and origin, says where the prediction was wrong, leaves out what the old cluster cannot serve", async () => {
    const learned = await learnBaseline(url, [
      probe("upstream", [200]), probe("kong-itself", [200]), probe("refused", [401]), probe("broken", [200]), probe("flapping", [200]),
      probe("limited", [200, 429], { varies: true, path: "/upstream?probe=limited" }),
    ], 10);
    const by = Object.fromEntries(learned.probes.map((p) => [p.name, { expect: p.expect, fromUpstream: p.fromUpstream, varies: p.varies === true }]));
    expect(by).to.deep.equal({
      upstream: { expect: [200], fromUpstream: true, varies: false },
      // A CORS preflight: Kong answers it itself, and that is the baseline.
      "kong-itself": { expect: [200], fromUpstream: false, varies: false },
      refused: { expect: [403], fromUpstream: false, varies: false },
      flapping: { expect: [200, 429], fromUpstream: true, varies: true },
      limited: { expect: [200, 429], fromUpstream: true, varies: true },
    });
    expect(learned.differs).to.deep.equal([
      "refused: predicted 401, the old cluster answered 403",
      "flapping: the old cluster answered 200, then 429: judged as either",
    ]);
    expect(learned.dropped).to.deep.equal(["broken: the old cluster answered 502"]);
  });
});
