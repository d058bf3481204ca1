// What Kong.init does after the schema check: build the plugins iterator and the router from the
// data. These are the checks that really stop old nodes (reference 4.2 item 3).
import { expect } from "chai";
import { PgFixture, http, kong, startTestNode } from "./node-helpers.ts";

describe("stand-in node: start against incompatible data", function () {
  let pgf: PgFixture;
  before(async () => { pgf = await PgFixture.start(); });
  after(async () => { await pgf?.stop(); });

  it("refuses with `error building initial plugins` when a configured plugin is not enabled here", async () => {
    const env = await pgf.freshDb();
    await kong("2.6.0", ["migrations", "bootstrap"], env);
    const a = await startTestNode("2.6.0", env);
    try {
      expect((await http("POST", `${a.adminUrl}/plugins`, { name: "cors" })).status).to.equal(201);
    } finally { await a.close(); }
    let error: Error | undefined;
    await startTestNode("2.6.0", env, { env: { KONG_PLUGINS: "key-auth,rate-limiting" } }).then((n) => n.close(), (e: Error) => { error = e; });
    expect(error?.message).to.equal("error building initial plugins: cors plugin is in use but not enabled");
  });

  it("a 1.5.1 node fails on the dropped plugins.run_on column after 2.0.5's finish", async () => {
    const env = await pgf.freshDb();
    await kong("1.5.1", ["migrations", "bootstrap"], env);
    const old = await startTestNode("1.5.1", env);
    try {
      const p = await http("POST", `${old.adminUrl}/plugins`, { name: "key-auth" });
      expect(p.status).to.equal(201);
      expect(p.body).to.include({ run_on: "first", enabled: true }); // 1.x shape
    } finally { await old.close(); }
    await kong("2.0.5", ["migrations", "up"], env);
    const before = await startTestNode("1.5.1", env); // after up only: still fine
    await before.close();
    await kong("2.0.5", ["migrations", "finish"], env);
    let error: Error | undefined;
    await startTestNode("1.5.1", env).then((n) => n.close(), (e: Error) => { error = e; });
    expect(error?.message).to.match(/column "run_on" does not exist/);
  });

  it("a 2.5.1 node starts and serves after 2.6.0's finish", async () => {
    const env = await pgf.freshDb();
    await kong("2.5.1", ["migrations", "bootstrap"], env);
    await kong("2.6.0", ["migrations", "up"], env);
    await kong("2.6.0", ["migrations", "finish"], env);
    const n = await startTestNode("2.5.1", env);
    try {
      expect((await http("GET", `${n.adminUrl}/status`)).status).to.equal(200);
    } finally { await n.close(); }
  });
});
