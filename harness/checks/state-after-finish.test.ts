// state-after-finish under real Kong's timing (issue 11): a write on the new cluster after finish
// that a node shows only through a later write of the same entity has reached it. The basic
// verdicts are in finish-checks.test.ts.
import { expect } from "chai";
import { F } from "./records.ts";
import { stateAfterFinish } from "./state-after-finish.ts";
import { RunFixture } from "./testing.ts";

/** Finish at 200; route r9 created via green-1 at 300 and updated at 1,300; green-2 shows the update (or nothing). */
function afterFinish(green2ShowsUpdate: boolean): RunFixture {
  const fx = new RunFixture();
  fx.at(0).event("seeder", F.seed, { entities: ["services/a"] });
  fx.at(200).phase("MigrationsFinish").event("migrations", F.migrationsFinish, { exitCode: 0, stdout: "", stderr: "", image: "kong-standin:2.6.0" });
  fx.phase("AfterFinish");
  for (const node of ["green-1", "green-2"]) fx.event("verifier", F.verifyEntity, { entity: "services/a", cluster: "green", seen: "status 200", matches: true }, node);
  fx.at(300);
  const create = fx.write("green-1", "ok", 10, { entity: "routes/r9", action: "create", expectOn: ["green-1", "green-2"] });
  fx.at(400).observe(create, "green-1");
  fx.at(1_300);
  const update = fx.write("green-1", "ok", 10, { entity: "routes/r9", action: "update", expectOn: ["green-1", "green-2"] });
  fx.at(1_400).observe(update, "green-1");
  if (green2ShowsUpdate) fx.at(1_900).observe(update, "green-2");
  fx.at(9_000).observe(create, "green-2", false);
  return fx;
}

describe("state-after-finish: superseded writes", () => {
  it("counts a write after finish as reached on a node that showed the entity's later update, and says so", async () => {
    const r = await stateAfterFinish.check(afterFinish(true).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "all 1 entities served correctly on 2 new nodes; 2 Admin writes after finish reached every new node"]);
    expect(r.evidence).to.include("1 (write, node) pairs after finish first seen as a later write of the same entity: w-1 on green-2 (through w-2)");
  });

  it("still fails when no later write of the entity was seen there, naming write, entity and node", async () => {
    const r = await stateAfterFinish.check(afterFinish(false).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "after finish: write w-1 (create routes/r9 via green-1) never seen on green-2; write w-2 (update routes/r9 via green-1) never seen on green-2"]);
  });

  /** Route r5 updated (ok), then deleted through a node that answered `deleteAnswer`; after finish both new nodes show it gone. */
  function lastWrite(deleteAnswer: "fail-500" | "fail-404" | "info"): RunFixture {
    const fx = new RunFixture();
    fx.at(0).event("seeder", F.seed, { entities: ["services/a"] });
    fx.phase("Shift").at(100).write("blue-1", "ok", 10, { entity: "routes/r5", action: "update" });
    fx.at(200);
    const del = fx.history.invoke("admin-writer", F.adminWrite, { writeId: "w-del", cluster: "blue", entity: "routes/r5", action: "delete" }, { node: "blue-2" });
    fx.at(250);
    if (deleteAnswer === "info") fx.history.info(del, "socket hang up");
    else fx.history.fail(del, deleteAnswer === "fail-500" ? "status 500: {\"message\":\"An unexpected error occurred\"}" : "status 404: {\"message\":\"Not found\"}");
    fx.at(300).phase("MigrationsFinish").event("migrations", F.migrationsFinish, { exitCode: 0, stdout: "", stderr: "", image: "kong-standin:2.6.0" });
    fx.phase("AfterFinish");
    for (const node of ["green-1", "green-2"]) {
      fx.event("verifier", F.verifyEntity, { entity: "services/a", cluster: "green", seen: "status 200", matches: true }, node);
      fx.event("verifier", F.verifyEntity, { entity: "routes/r5", cluster: "green", seen: "status 404", matches: false }, node);
    }
    const after = fx.write("green-1", "ok", 10, { entity: "services/new" });
    fx.at(400).observe(after, "green-1").observe(after, "green-2");
    return fx;
  }

  it("does not judge an entity whose last write may or may not have been stored (no answer, or a 5xx), and says so", async () => {
    for (const answer of ["fail-500", "info"] as const) {
      const r = await stateAfterFinish.check(lastWrite(answer).ctx());
      expect([r.status, r.message], answer).to.deep.equal(["pass", "all 2 entities served correctly on 2 new nodes; 1 Admin writes after finish reached every new node (2 entity/node pairs not judged: the entity's last write had an unknown outcome)"]);
    }
    const r = await stateAfterFinish.check(lastWrite("fail-500").ctx());
    expect(r.evidence).to.include("not judged: routes/r5 on green-1 (seen: status 404; its last write, delete via blue-2 answered \"status 500: {\"message\":\"An unexpected error occurred\"}\", may have been stored)");
  });

  it("still fails it when the last write was definitely refused (4xx)", async () => {
    const r = await stateAfterFinish.check(lastWrite("fail-404").ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "after finish: 2 entity checks wrong on the new cluster: routes/r5 on green-1 (seen: status 404), routes/r5 on green-2 (seen: status 404)"]);
  });
});
