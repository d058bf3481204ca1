import { expect } from "chai";
import { importedStateServed } from "./imported-state-served.ts";
import { keyspaceDrift } from "./keyspace-drift.ts";
import { F, type AccessLogWrite, type NodeAccessLog } from "./records.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const cmd = { exitCode: 0, stdout: "", stderr: "", image: "kong-standin:2.6.0" };

/** Seed and one write before the export at 1000; import at 2000; `after` runs between them. */
function newKeyspaceRun(mode: "freeze" | "drift", after: (fx: RunFixture) => void = () => undefined): RunFixture {
  const fx = new RunFixture({ ...EXPECTATIONS, adminWritesAfterExport: mode });
  fx.at(0).event("seeder", F.seed, { entities: ["probe/echo"] });
  fx.write("blue-1", "ok", 10, { entity: "routes/w1" });
  fx.at(1000).event("migrations", F.configExport, cmd);
  after(fx);
  fx.at(2000).event("migrations", F.configImport, cmd);
  return fx;
}

const verify = (fx: RunFixture, entity: string, matches = true, nodes = ["green-1", "green-2"]): RunFixture => {
  for (const node of nodes) fx.event("verifier", F.verifyEntity, { entity, cluster: "green", seen: matches ? "status 200" : "status 404", matches }, node);
  return fx;
};

type Logged = Partial<NodeAccessLog> & { writes?: AccessLogWrite[] };

/** Each old node's Admin access log, read as it stopped (at 2500): `logs` by node, default a clean log. */
function oldLogs(fx: RunFixture, logs: Record<string, Logged> = {}): RunFixture {
  fx.at(2500);
  for (const node of ["blue-1", "blue-2"]) fx.event("harness", F.adminAccessLog, { cluster: "blue", nodes: [{ node, requests: 30, markerSeen: true, writes: [], ...logs[node] }] });
  return fx;
}
const logged = (atMs: number, method: string, path: string, status = 201): AccessLogWrite => ({ atMs, method, path, status });
const reapply = (fx: RunFixture, writeId: string, entity: string, outcome: "ok" | "fail" = "ok"): RunFixture => {
  const value = { writeId, entity, action: "create", method: "POST", path: "/x" };
  const inv = fx.history.invoke("harness", F.adminReapply, value, { node: "green-1" });
  if (outcome === "ok") fx.history.ok(inv, { ...value, status: 201 });
  else fx.history.fail(inv, "status 400: {}", { ...value, status: 400 });
  return fx;
};

describe("keyspace-drift", () => {
  describe("freeze", () => {
    it("passes when every write after the export was refused and the old nodes' logs show none accepted", async () => {
      const fx = oldLogs(newKeyspaceRun("freeze", (f) => { f.at(1100).write("blue-1", "refused", 1, { entity: "routes/w2" }); }));
      const r = await keyspaceDrift.check(fx.ctx());
      expect([r.status, r.message]).to.deep.equal(["pass", "Admin writes frozen from the export to the cut-over: the access logs of blue-1, blue-2 show no write accepted after the export, and the harness's 1 attempted writes were refused"]);
    });

    it("fails a write an old node accepted after the export that the harness never sent (an operator's), naming node, phase, method, path and time", async () => {
      const fx = newKeyspaceRun("freeze", (f) => { f.at(1100).write("blue-1", "refused", 1, { entity: "routes/w2" }); });
      oldLogs(fx, { "blue-2": { writes: [logged(900, "POST", "/consumers"), logged(1200, "POST", "/consumers"), logged(1300, "DELETE", "/routes/w1", 404)] } });
      const r = await keyspaceDrift.check(fx.ctx());
      expect([r.status, r.message]).to.deep.equal(["fail", "1 Admin write slipped through the freeze after the export (the old nodes' access logs): POST /consumers on blue-2 at 1200 ms during before the first phase (answered 201)"]);
    });

    it("fails when the harness's own write slipped through, and says whether the new keyspace has it", async () => {
      const fx = newKeyspaceRun("freeze", (f) => { f.at(1100).write("blue-1", "ok", 10, { entity: "routes/w2" }); });
      verify(fx.at(3000), "routes/w2", false);
      const r = await keyspaceDrift.check(fx.ctx());
      expect([r.status, r.message]).to.deep.equal(["fail", "1 Admin write slipped through the freeze after the export: create routes/w2 via blue-1 at 1100 ms: missing on green-1, green-2"]);
    });

    it("is unknown when an old node's log was not read or shows no marker, and when no write tested the freeze", async () => {
      const refused = (f: RunFixture): void => { f.at(1100).write("blue-1", "refused", 1, { entity: "routes/w2" }); };
      expect((await keyspaceDrift.check(newKeyspaceRun("freeze", refused).ctx())).message).to.equal("what reached the old nodes after the export is not known: blue-1: its Admin access log was not read before it stopped; blue-2: its Admin access log was not read before it stopped");
      const off = await keyspaceDrift.check(oldLogs(newKeyspaceRun("freeze", refused), { "blue-1": { markerSeen: false, requests: 0 } }).ctx());
      expect([off.status, off.message]).to.deep.equal(["unknown", "what reached the old nodes after the export is not known: blue-1: the harness's marker request never showed in its log (is KONG_ADMIN_ACCESS_LOG off or not on stdout?)"]);
      expect((await keyspaceDrift.check(oldLogs(newKeyspaceRun("freeze")).ctx())).message).to.equal("no Admin write was attempted on the old cluster between the export and the cut-over: the freeze was not exercised");
    });
  });

  describe("record (expectations \"drift\")", () => {
    /** Two harness writes after the export (logged by blue-1 as they were sent). */
    function recorded(logs: Record<string, Logged> = {}): { fx: RunFixture; ids: string[] } {
      const ids: string[] = [];
      const fx = newKeyspaceRun("drift", (f) => {
        ids.push(f.at(1100).write("blue-1", "ok", 10, { entity: "routes/w2", method: "POST", path: "/services/echo/routes" }));
        ids.push(f.write("blue-1", "ok", 10, { entity: "consumers/c2", method: "POST", path: "/consumers" }));
      });
      oldLogs(fx, { "blue-1": { writes: [logged(1105, "POST", "/services/echo/routes"), logged(1115, "POST", "/consumers")] }, ...logs });
      return { fx, ids };
    }

    it("passes when every recorded write was re-applied, is present on every new node, and the logs show no other write", async () => {
      const { fx, ids } = recorded();
      reapply(reapply(fx.at(2600), ids[0]!, "routes/w2"), ids[1]!, "consumers/c2");
      verify(verify(fx.at(3000), "routes/w2"), "consumers/c2");
      const r = await keyspaceDrift.check(fx.ctx());
      expect([r.status, r.message]).to.deep.equal(["pass", "all 2 Admin writes accepted on the old cluster after the export were re-applied on the new keyspace and are present on every new node; the access logs of blue-1, blue-2 show no other write"]);
      expect(r.evidence[0]).to.equal("mode record; export started at 1000 ms; 2 Admin writes by the harness on the old cluster after it: 2 accepted, 0 refused by the freeze, 0 unknown");
    });

    it("fails a write that was never re-applied, one refused on re-apply, and one re-applied but missing", async () => {
      const { fx, ids } = recorded();
      reapply(fx.at(2600), ids[0]!, "routes/w2", "fail");
      verify(verify(fx.at(3000), "routes/w2", false), "consumers/c2", true, ["green-1"]);
      const r1 = await keyspaceDrift.check(fx.ctx());
      expect([r1.status, r1.message]).to.deep.equal(["fail", "Admin writes made on the old cluster after the export are missing on the new keyspace: 2 recorded writes were not re-applied: create routes/w2 via blue-1 at 1100 ms: re-applied on green-1, refused (status 400: {}); create consumers/c2 via blue-1 at 1110 ms: never re-applied"]);
      const again = recorded();
      reapply(reapply(again.fx.at(2600), again.ids[0]!, "routes/w2"), again.ids[1]!, "consumers/c2");
      verify(verify(again.fx.at(3000), "routes/w2"), "consumers/c2", true, ["green-1"]);
      expect((await keyspaceDrift.check(again.fx.ctx())).message).to.equal("Admin writes made on the old cluster after the export are missing on the new keyspace: 1 re-applied write is missing on the new keyspace: create consumers/c2 via blue-1 at 1110 ms: missing on green-2");
    });

    it("fails a write an old node accepted after the export that the harness did not record: it cannot have been re-applied", async () => {
      const { fx, ids } = recorded({ "blue-2": { writes: [logged(1500, "POST", "/consumers?x=1")] } });
      reapply(reapply(fx.at(2600), ids[0]!, "routes/w2"), ids[1]!, "consumers/c2");
      verify(verify(fx.at(3000), "routes/w2"), "consumers/c2");
      const r = await keyspaceDrift.check(fx.ctx());
      expect([r.status, r.message]).to.deep.equal(["fail", "Admin writes made on the old cluster after the export are missing on the new keyspace: 1 write reached the old cluster after the export without being recorded, so never re-applied on the new keyspace: POST /consumers?x=1 on blue-2 at 1500 ms during before the first phase (answered 201)"]);
    });

    it("is unknown with no write accepted after the export, and when the old nodes' logs were not read", async () => {
      const none = await keyspaceDrift.check(oldLogs(newKeyspaceRun("drift")).ctx());
      expect([none.status, none.message]).to.deep.equal(["unknown", "no Admin write was accepted on the old cluster after the export: record mode had nothing to re-apply"]);
      let id = "";
      const fx = newKeyspaceRun("drift", (f) => { id = f.at(1100).write("blue-1", "ok", 10, { entity: "routes/w2", method: "POST", path: "/services/echo/routes" }); });
      verify(reapply(fx.at(2600), id, "routes/w2").at(3000), "routes/w2");
      const unread = await keyspaceDrift.check(fx.ctx());
      expect([unread.status, unread.message]).to.deep.equal(["unknown", "every recorded write was re-applied, but what else reached the old nodes after the export is not known: blue-1: its Admin access log was not read before it stopped; blue-2: its Admin access log was not read before it stopped"]);
    });
  });

  it("is unknown without an export", async () => {
    expect((await keyspaceDrift.check(new RunFixture().ctx())).status).to.equal("unknown");
  });
});

describe("imported-state-served", () => {
  it("passes when every seeded and pre-export entity answers on every new node after the import", async () => {
    const fx = verify(verify(newKeyspaceRun("freeze").at(3000), "probe/echo"), "routes/w1");
    const r = await importedStateServed.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 2 exported entities answer on 2 new nodes as on the old cluster"]);
  });

  it("fails for an entity answering differently, is unknown when one was not verified", async () => {
    const fx = verify(verify(newKeyspaceRun("freeze").at(3000), "probe/echo"), "routes/w1", false, ["green-2"]);
    expect((await importedStateServed.check(fx.ctx())).message).to.equal("1 exported entity checks answer differently on the new keyspace: routes/w1 on green-2 during before the first phase (seen: status 404)");
    const partial = verify(newKeyspaceRun("freeze").at(3000), "probe/echo");
    expect((await importedStateServed.check(partial.ctx())).message).to.equal("2 entity/node pairs were not verified after the import (first: routes/w1 on green-1)");
  });

  it("fails when db_import exited non-zero", async () => {
    const fx = new RunFixture();
    fx.event("migrations", F.configExport, cmd).event("migrations", F.configImport, { ...cmd, exitCode: 1, stderr: "Error: Failed importing:\nboom" });
    expect((await importedStateServed.check(fx.ctx())).message).to.equal("`kong config db_import` with kong-standin:2.6.0 exited 1: boom");
  });
});
