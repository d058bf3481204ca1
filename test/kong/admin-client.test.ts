// The harness's Admin API client refuses writes its gate forbids (the new cluster before `kong
// migrations finish`) before anything is sent, and lets reads through.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { AdminWriteRefusedError, KongAdminClient } from "../../harness/kong/admin-client.ts";

describe("kong: Admin API client write gate", function () {
  let server: Server;
  let url: string;
  const seen: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(req.method === "POST" ? 201 : 200, { "content-type": "application/json" }).end(JSON.stringify({ id: "1" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => { await new Promise<void>((r) => server.close(() => r())); });
  beforeEach(() => { seen.length = 0; });

  it("refuses a write while the gate is closed, sends nothing, and still reads", async () => {
    let finished = false;
    const admin = new KongAdminClient("green-1", () => url, () => ({ allowed: finished, reason: "the procedure allows Admin API writes on the new cluster only after `kong migrations finish`" }));
    let error: unknown;
    try {
      await admin.write("POST", "/services", { name: "x", url: "http://echo:8080" });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(AdminWriteRefusedError);
    expect((error as Error).message).to.equal('Admin API write POST /services to node "green-1" refused: the procedure allows Admin API writes on the new cluster only after `kong migrations finish`');
    expect((await admin.get("/services")).status).to.equal(200);
    expect(seen).to.deep.equal(["GET /services"]);

    finished = true;
    expect((await admin.write("POST", "/services", { name: "x" })).status).to.equal(201);
    expect(seen).to.deep.equal(["GET /services", "POST /services"]);
    await admin.close();
  });
});
