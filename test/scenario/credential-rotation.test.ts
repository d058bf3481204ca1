// Key rotation during the shift (`--revoke-credentials`): a new key for a consumer, its old key
// deleted through the old cluster's Admin API, each checked on every node. Across the 2.0 -> 2.1
// cache-key change the deletion's invalidation event carries a key the new nodes do not use, so
// they keep accepting the revoked key. (Between 2.5.1 and 2.6.0, same format, every rotation
// reaches every node: asserted on the clean 2.5.1 run in clean-runs.test.ts.)
import { expect } from "chai";
import { describeChecks, keyWrites, ROTATION_FLAGS, runScenario } from "./scenario-run.ts";

describe("scenario: key rotation on the old cluster during the shift (stand-ins)", function () {
  this.timeout(300_000);

  it("2.0.5 -> 2.1.4: the deleted keys never stop working on the new nodes; admin-writes-propagated and state-after-finish say which", async () => {
    const run = await runScenario({ old: "2.0.5", new: "2.1.4", rate: 100, holdMs: 1_500, oldNodes: 1, newNodes: 2, flags: [...ROTATION_FLAGS] });
    const deletes = keyWrites(run).filter((w) => w.action === "delete");
    expect(deletes.length, describeChecks(run)).to.be.at.least(1);
    for (const d of deletes) {
      expect([d.type, d.via, d.missingOn], d.writeId).to.deep.equal(["ok", "blue-1", ["green-1", "green-2"]]);
      expect(Object.keys(d.lags), `${d.writeId}: seen on the old node only`).to.deep.equal(["blue-1"]);
    }
    // The rotated-in keys and every other write reach every node: only the deletions are lost.
    const rotatedIn = keyWrites(run).filter((w) => w.action === "create" && w.entity.endsWith("-r"));
    expect(rotatedIn.length).to.be.at.least(1);
    for (const w of rotatedIn) expect(w.missingOn, w.writeId).to.deep.equal([]);
    const c = run.check("admin-writes-propagated");
    expect(c.status).to.equal("fail");
    expect(c.message).to.equal(`${deletes.length === 1 ? "1 problem" : `${deletes.length} problems`} with Admin writes: ${deletes.map((d) =>
      `write ${d.writeId} (delete ${d.entity} via blue-1 during ${d.during}) never seen on green-1, green-2`).join("; ")}`
      + "; likely cause: Kong 2.1's cache-key change (entity invalidations from 2.0.5 nodes never reach 2.1.4 nodes, see the diagnosis)");
    expect(c.evidence.filter((x) => x.startsWith("diagnosis: "))).to.deep.equal([`diagnosis: ${deletes.length} of the lost writes (${deletes.map((d) => `delete ${d.entity}`).join(", ")}) `
      + "changed an entity cached by its own key, through a 2.0.5 node; 2.1.4 nodes never see such invalidations, because Kong 2.1 added the workspace id to entity cache keys "
      + "(`<table>:<key>::::` became `<table>:<key>:::::<ws_id>`), so they keep serving the cached entity (kong-reference §5.2)"]);
    expect(run.check("state-after-finish").message).to.match(new RegExp(`^after finish: ${deletes.length * 2} entity checks wrong on the new cluster: keyauth_credentials/key-\\d+ on green-1 \\(seen: status 200\\)`));
    expect(run.notPassing, describeChecks(run)).to.deep.equal(["admin-writes-propagated", "state-after-finish", "old-node-refuses-after-finish"]);
  });
});
