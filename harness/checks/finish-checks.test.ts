import { expect } from "chai";
import { oldNodeRefusesAfterFinish } from "./old-node-refuses-after-finish.ts";
import { F, type OldNodeStartValue } from "./records.ts";
import { stateAfterFinish } from "./state-after-finish.ts";
import { RunFixture } from "./testing.ts";

function finished(fx = new RunFixture()): RunFixture {
  fx.phase("MigrationsFinish").event("migrations", F.migrationsFinish, { exitCode: 0, stdout: "", stderr: "", image: "kong-standin:2.6.0" });
  return fx.phase("AfterFinish");
}

const verify = (fx: RunFixture, entity: string, node: string, matches = true, seen = "200 as expected"): void =>
  void fx.event("verifier", F.verifyEntity, { entity, cluster: "green", seen, matches }, node);

describe("state-after-finish", () => {
  function run(): { fx: RunFixture; after: string } {
    const fx = new RunFixture();
    fx.at(0).event("seeder", F.seed, { entities: ["services/a", "routes/a"] });
    fx.phase("Shift").at(100).write("blue-1", "ok", 10, { entity: "consumers/bob" });
    fx.at(200);
    finished(fx);
    fx.at(300);
    const after = fx.write("green-1", "ok", 10, { entity: "services/new" });
    fx.at(400).observe(after, "green-1").observe(after, "green-2");
    for (const e of ["services/a", "routes/a", "consumers/bob"]) for (const n of ["green-1", "green-2"]) verify(fx, e, n);
    return { fx, after };
  }

  it("passes when every seeded and written entity is served by every new node and new writes propagate", async () => {
    const r = await stateAfterFinish.check(run().fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 3 entities served correctly on 2 new nodes; 1 Admin writes after finish reached every new node"]);
  });

  it("does not expect a write on nodes outside its expectOn (a consumer alone shows on no proxy)", async () => {
    const { fx } = run();
    fx.write("green-1", "ok", 10, { entity: "consumers/c9", expectOn: [] });
    const r = await stateAfterFinish.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 3 entities served correctly on 2 new nodes; 2 Admin writes after finish reached every new node"]);
  });

  it("fails an entity served wrongly and a new-cluster write that did not reach a node", async () => {
    const fx = new RunFixture();
    fx.event("seeder", F.seed, { entities: ["services/a"] });
    finished(fx);
    verify(fx, "services/a", "green-1");
    verify(fx, "services/a", "green-2", false, "404 no Route matched with those values");
    const w = fx.write("green-2", "ok", 10, { entity: "routes/new" });
    fx.observe(w, "green-2");
    const r = await stateAfterFinish.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "after finish: 1 entity checks wrong on the new cluster: services/a on green-2 (seen: 404 no Route matched with those values); write w-1 (create routes/new via green-2) never seen on green-1"]);
  });

  it("is unknown before finish and for entities never verified", async () => {
    expect((await stateAfterFinish.check(new RunFixture().ctx())).message).to.equal("migrations finish never completed: nothing to check after it");
    const fx = finished(new RunFixture().event("seeder", F.seed, { entities: ["services/a"] }));
    verify(fx, "services/a", "green-1");
    expect((await stateAfterFinish.check(fx.ctx())).message).to.equal("1 entity/node pairs were not verified after finish (first: services/a on green-2)");
  });
});

describe("old-node-refuses-after-finish", () => {
  const start = (v: Partial<OldNodeStartValue>): RunFixture =>
    finished().event("harness", F.oldNodeStart, { exitCode: null, started: true, logs: "", image: "kong-standin:2.5.1", version: "2.5.1", ...v }, "blue-old");

  it("passes when the old node refuses, quoting its error", async () => {
    const logs = "nginx: [error] init_by_lua error: [postgres] ERROR: column \"run_on\" does not exist\nstack traceback:";
    const r = await oldNodeRefusesAfterFinish.check(start({ exitCode: 1, started: false, logs, image: "kong-standin:1.5.1", version: "1.5.1" }).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "kong-standin:1.5.1 refused to start against a database finished by kong-standin:2.6.0 (exit 1): nginx: [error] init_by_lua error: [postgres] ERROR: column \"run_on\" does not exist"]);
  });

  it("fails when it started and served the baseline correctly: the documented rule is not enforced", async () => {
    const r = await oldNodeRefusesAfterFinish.check(start({ baseline: { correct: 12, total: 12 } }).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "kong-standin:2.5.1 started against a database finished by kong-standin:2.6.0 and served 12/12 baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3"]);
  });

  it("fails when it started and served wrong answers, or exited 0 without starting", async () => {
    const wrong = await oldNodeRefusesAfterFinish.check(start({ baseline: { correct: 9, total: 12 } }).ctx());
    expect(wrong.message).to.equal("kong-standin:2.5.1 started against a database finished by kong-standin:2.6.0 and served 3/12 baseline requests incorrectly (9 correct): an old node after finish serves wrong answers");
    const quiet = await oldNodeRefusesAfterFinish.check(start({ started: false, exitCode: 0, logs: "bye" }).ctx());
    expect([quiet.status, quiet.message]).to.deep.equal(["fail", "kong-standin:2.5.1 against a database finished by kong-standin:2.6.0: the node neither started nor refused (exit 0), which is not a refusal: bye"]);
  });

  it("is unknown when the old node was not started or the start gave no answer", async () => {
    expect((await oldNodeRefusesAfterFinish.check(finished().ctx())).status).to.equal("unknown");
    const fx = finished();
    fx.history.info(fx.history.invoke("harness", F.oldNodeStart, {}), "docker: no such image");
    expect((await oldNodeRefusesAfterFinish.check(fx.ctx())).message).to.equal("starting the old node did not give an answer (info: docker: no such image)");
  });
});
