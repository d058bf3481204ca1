import { expect } from "chai";
import { importedStateServed } from "./imported-state-served.ts";
import { keyspaceDrift } from "./keyspace-drift.ts";
import { F } from "./records.ts";
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

describe("keyspace-drift", () => {
  it("freeze: passes when every write after the export was refused", async () => {
    const fx = newKeyspaceRun("freeze", (f) => { f.at(1100).write("blue-1", "refused", 1, { entity: "routes/w2" }); });
    const r = await keyspaceDrift.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "Admin writes frozen from the export to the cut-over: all 1 attempted writes were refused, none can be missing on the new keyspace"]);
  });

  it("freeze: fails when a write slips through, and says whether the new keyspace has it", async () => {
    const fx = newKeyspaceRun("freeze", (f) => { f.at(1100).write("blue-1", "ok", 10, { entity: "routes/w2" }); });
    verify(fx.at(3000), "routes/w2", false);
    const r = await keyspaceDrift.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 Admin write slipped through the freeze after the export: create routes/w2 via blue-1 at 1100 ms: missing on green-1, green-2"]);
  });

  it("drift: fails when a write made after the export is missing on the new keyspace", async () => {
    const fx = newKeyspaceRun("drift", (f) => { f.at(1100).write("blue-1", "ok", 10, { entity: "routes/w2" }); f.write("blue-1", "ok", 10, { entity: "consumers/c2" }); });
    verify(verify(fx.at(3000), "routes/w2", false), "consumers/c2", true, ["green-1"]);
    const r = await keyspaceDrift.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("2 of 2 Admin writes made on the old cluster after the export are missing on the new keyspace: create routes/w2 via blue-1 at 1100 ms: missing on green-1, green-2; create consumers/c2 via blue-1 at 1110 ms: missing on green-2");
    expect(r.evidence[0]).to.equal("mode drift; export started at 1000 ms; 2 Admin writes on the old cluster after it: 2 accepted, 0 refused by the freeze, 0 unknown");
  });

  it("drift: passes when writes after the export are present (re-applied), and with no write", async () => {
    const fx = newKeyspaceRun("drift", (f) => { f.at(1100).write("blue-1", "ok", 10, { entity: "routes/w2" }); });
    expect((await keyspaceDrift.check(verify(fx.at(3000), "routes/w2").ctx())).message).to.equal("all 1 Admin writes made after the export are present on every new node");
    expect((await keyspaceDrift.check(newKeyspaceRun("drift").ctx())).message).to.equal("no drift: no Admin write was accepted on the old cluster after the export");
  });

  it("is unknown without an export, and in freeze mode when no write tested the freeze", async () => {
    expect((await keyspaceDrift.check(new RunFixture().ctx())).status).to.equal("unknown");
    expect((await keyspaceDrift.check(newKeyspaceRun("freeze").ctx())).message).to.equal("no Admin write was attempted on the old cluster between the export and the cut-over: the freeze was not exercised");
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
    expect((await importedStateServed.check(fx.ctx())).message).to.equal("1 exported entity checks answer differently on the new keyspace: routes/w1 on green-2 (seen: status 404)");
    const partial = verify(newKeyspaceRun("freeze").at(3000), "probe/echo");
    expect((await importedStateServed.check(partial.ctx())).message).to.equal("2 entity/node pairs were not verified after the import (first: routes/w1 on green-1)");
  });

  it("fails when db_import exited non-zero", async () => {
    const fx = new RunFixture();
    fx.event("migrations", F.configExport, cmd).event("migrations", F.configImport, { ...cmd, exitCode: 1, stderr: "Error: Failed importing:\nboom" });
    expect((await importedStateServed.check(fx.ctx())).message).to.equal("`kong config db_import` with kong-standin:2.6.0 exited 1: boom");
  });
});
