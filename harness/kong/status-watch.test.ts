import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { watchStatusReady } from "./status-watch.ts";

/** A `/status` that answers 503 until `readyAfterMs`, then 200. */
async function statusServer(readyAfterMs: number): Promise<{ url: string; server: Server }> {
  const started = Date.now();
  const server = createServer((_req, res) => { res.writeHead(Date.now() - started >= readyAfterMs ? 200 : 503).end("{}"); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("watchStatusReady", () => {
  it("gives the time `/status` first answered 200", async () => {
    const { url, server } = await statusServer(300);
    const t0 = Date.now();
    const watch = watchStatusReady(() => url, () => Date.now() - t0, 20);
    await new Promise((r) => setTimeout(r, 600));
    const stoppedAt = Date.now() - t0;
    const at = await watch.stop();
    server.close();
    // Not before the server said ready (it started before t0), not after stop() was called.
    expect(at).to.be.a("number").within(250, stoppedAt);
  });

  it("gives null when `/status` never said ready before stop(), or nothing listened", async () => {
    const { url, server } = await statusServer(60_000);
    const watch = watchStatusReady(() => url, () => 0, 20);
    await new Promise((r) => setTimeout(r, 100));
    expect(await watch.stop()).to.equal(null);
    server.close();
    const nobody = watchStatusReady(() => "http://127.0.0.1:1", () => 0, 20);
    await new Promise((r) => setTimeout(r, 50));
    expect(await nobody.stop()).to.equal(null);
  });
});
