// The vegeta driver against a local HTTP server: every request vegeta sent is read back, results
// stream while the attack runs, status codes and aborts are reported faithfully.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { startAttack, type RequestResult } from "../../harness/load/index.ts";
import { labTool } from "../../harness/runtime/lab-state.ts";

describe("lab: vegeta load driver", function () {
  let server: Server;
  let base: string;
  const served = { total: 0, ok: 0, failing: 0 };
  const hosts: string[] = [];

  before(async function () {
    server = createServer((req, res) => {
      served.total++;
      hosts.push(req.headers.host ?? "");
      if (req.url === "/fail") {
        served.failing++;
        res.writeHead(500).end("boom");
      } else if (req.url === "/slow") {
        // Answered 1.5 s later: in flight all that time.
        served.ok++;
        setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("ok"), 1_500);
      } else {
        served.ok++;
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(function () {
    served.total = served.ok = served.failing = 0;
    hosts.length = 0;
  });

  it("reads one result per request, streaming, with the server's status codes", async function () {
    const started = Date.now();
    const run = startAttack({
      binary: labTool("vegeta"),
      targets: [
        { name: "ok", method: "GET", url: `${base}/ok` },
        { name: "fail", method: "POST", url: `${base}/fail`, headers: { "content-type": "application/json" }, body: "{}" },
      ],
      ratePerSecond: 50,
      durationMs: 2_000,
    });
    const results: RequestResult[] = [];
    let firstSeenAfterMs = -1;
    for await (const r of run) {
      if (results.length === 0) firstSeenAfterMs = Date.now() - started;
      results.push(r);
    }
    const summary = await run.done;

    expect(summary.requests).to.equal(100);
    expect(results).to.have.length(served.total);
    expect(summary.requests).to.equal(served.total);
    // Round-robin over two targets: half of them answer 500.
    expect(summary.statusCounts).to.deep.equal({ "200": served.ok, "500": served.failing });
    expect(served.failing).to.equal(50);
    expect(summary.transportErrors).to.equal(0);
    expect(summary.errors["500 Internal Server Error"]).to.equal(50);
    expect(summary.aborted).to.equal(false);
    // Streaming: the first result arrived long before the 2 s attack ended.
    expect(firstSeenAfterMs).to.be.within(0, 1_000);

    expect(results.map((r) => r.seq).sort((a, b) => a - b)).to.deep.equal([...Array(100).keys()]);
    for (const r of results) {
      expect(r.target).to.equal(r.code === 500 ? "fail" : "ok");
      expect(r.method).to.equal(r.target === "fail" ? "POST" : "GET");
      expect(r.timestampMs).to.be.within(started - 1_000, Date.now());
      expect(r.latencyNs).to.be.greaterThan(0);
    }
    expect(results.find((r) => r.target === "ok")?.headers["Content-Type"]).to.deep.equal(["text/plain"]);
    expect(summary.latencyMs.p50).to.be.greaterThan(0).and.at.most(summary.latencyMs.p99);
  });

  it("sends a target's host header as the request's Host, whatever its case", async function () {
    const summary = await startAttack({
      binary: labTool("vegeta"),
      targets: [{ name: "by-host", method: "GET", url: `${base}/ok`, headers: { host: "api.example.test", "x-kuh-probe": "by-host" } }],
      ratePerSecond: 20, durationMs: 500,
    }).done;
    expect(summary.requests).to.be.greaterThan(0);
    expect(new Set(hosts)).to.deep.equal(new Set(["api.example.test"]));
  });

  it("stops early on abort and still delivers what vegeta sent", async function () {
    const controller = new AbortController();
    const seen: RequestResult[] = [];
    const run = startAttack({
      binary: labTool("vegeta"),
      targets: [{ name: "ok", method: "GET", url: `${base}/ok` }],
      ratePerSecond: 50,
      durationMs: 30_000,
      signal: controller.signal,
      onResult: (r) => seen.push(r),
    });
    const started = Date.now();
    setTimeout(() => controller.abort(), 1_000);
    const summary = await run.done;

    expect(Date.now() - started).to.be.below(5_000);
    expect(summary.aborted).to.equal(true);
    expect(summary.requests).to.equal(seen.length).and.equal(served.total);
    expect(summary.requests).to.be.within(40, 70);
  });

  it("on abort, still reports the requests in flight, once the server answers them", async function () {
    const controller = new AbortController();
    const run = startAttack({
      binary: labTool("vegeta"),
      targets: [{ name: "slow", method: "GET", url: `${base}/slow` }],
      ratePerSecond: 5,
      durationMs: 30_000,
      signal: controller.signal,
      onResult: () => undefined,
    });
    // At 5/s with 1.5 s answers, several requests are in flight from the third arrival on.
    for (const deadline = Date.now() + 5_000; served.total < 3 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10));
    expect(served.total, "requests the server got in 5 s").to.be.at.least(3);
    controller.abort();
    const summary = await run.done;

    expect(summary.aborted).to.equal(true);
    expect(summary.statusCounts).to.deep.equal({ "200": served.total });
  });

  it("reports requests that got no response as transport errors", async function () {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));

    const run = startAttack({
      binary: labTool("vegeta"),
      targets: [{ name: "dead", method: "GET", url: `http://127.0.0.1:${port}/` }],
      ratePerSecond: 20,
      durationMs: 500,
      onResult: () => undefined,
    });
    const summary = await run.done;
    expect(summary.requests).to.equal(10);
    expect(summary.statusCounts).to.deep.equal({ "0": 10 });
    expect(summary.transportErrors).to.equal(10);
    expect(Object.keys(summary.errors).join()).to.match(/connection refused/);
  });
});
