import { expect } from "chai";
import { adminWritesPropagated, NO_REVOCATION } from "./admin-writes-propagated.ts";
import { noNewAdminWritesBeforeFinish } from "./no-new-admin-writes-before-finish.ts";
import { F, type AccessLogWrite, type NodeAccessLog } from "./records.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const ALL = ["blue-1", "blue-2", "green-1", "green-2"];

/** Shift from 0; one ok write via blue-1 at 1000 (done 1010), seen everywhere. */
function propagatedRun(lagMs = 2000): RunFixture {
  const fx = new RunFixture();
  fx.at(0).phase("Shift").step(0, 10);
  fx.at(1000);
  fx.write("blue-1", "ok");
  fx.observe("w-1", "blue-1");
  fx.at(1010 + lagMs / 2).observe("w-1", "blue-2", false).observe("w-1", "green-1");
  fx.at(1010 + lagMs);
  for (const node of ALL) fx.observe("w-1", node);
  return fx;
}

describe("admin-writes-propagated", () => {
  it("passes when every ok write is seen on every node within the bound, with lags per phase and cluster", async () => {
    const r = await adminWritesPropagated.check(propagatedRun().ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", `all 1 ok writes visible on every node within 6000 ms (lag p50 1000 ms, p99 2000 ms, max 2000 ms)${NO_REVOCATION}`]);
    const lags = r.data!.lags as { perPhase: Record<string, { max: number }>; perCluster: Record<string, { p50: number; max: number }> };
    expect(lags.perPhase.Shift!.max).to.equal(2000);
    expect([lags.perCluster.blue!.p50, lags.perCluster.green!.p50, lags.perCluster.green!.max]).to.deep.equal([0, 1000, 2000]);
  });

  it("fails a write never seen on a node and one seen too late, naming write, entity, node and phase", async () => {
    const fx = propagatedRun(7000);
    fx.at(9000);
    const lost = fx.write("blue-2", "ok", 10, { entity: "routes/r-9", action: "update" });
    for (const node of ["blue-1", "blue-2", "green-1"]) fx.observe(lost, node);
    const r = await adminWritesPropagated.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("3 problems with Admin writes: write w-1 (create services/svc-1 via blue-1 during Shift step 10%) seen on blue-2 after 7000 ms > bound 6000 ms; write w-1 (create services/svc-1 via blue-1 during Shift step 10%) seen on green-2 after 7000 ms > bound 6000 ms; write w-2 (update routes/r-9 via blue-2 during Shift step 10%) never seen on green-2");
  });

  it("names Kong's 2.0 -> 2.1 cache-key change when a key-cached entity changed on an older node is lost on the new nodes", async () => {
    const lostDelete = (versions?: { old: string; new: string }, entity = "keyauth_credentials/key-1") => {
      const fx = new RunFixture({ ...EXPECTATIONS, ...(versions ? { versions } : {}) });
      fx.at(0).phase("Shift").step(0, 10);
      fx.at(1000);
      const w = fx.write("blue-1", "ok", 10, { entity, action: "delete" });
      for (const node of ["blue-1", "blue-2"]) fx.observe(w, node);
      return adminWritesPropagated.check(fx.ctx());
    };
    const crossing = await lostDelete({ old: "2.0.5", new: "2.1.4" });
    expect(crossing.status).to.equal("fail");
    expect(crossing.message).to.match(/ never seen on green-1, green-2; likely cause: Kong 2\.1's cache-key change \(entity invalidations from 2\.0\.5 nodes never reach 2\.1\.4 nodes, see the diagnosis\)$/);
    expect(crossing.evidence[2]).to.equal("diagnosis: 1 of the lost writes (delete keyauth_credentials/key-1) changed an entity cached by its own key, through a 2.0.5 node; "
      + "2.1.4 nodes never see such invalidations, because Kong 2.1 added the workspace id to entity cache keys (`<table>:<key>::::` became `<table>:<key>:::::<ws_id>`), "
      + "so they keep serving the cached entity (kong-reference §5.2)");
    expect((await lostDelete({ old: "1.5.1", new: "2.6.0" })).evidence.some((x) => x.startsWith("diagnosis: "))).to.equal(true);
    // Same key format, no versions known, or a route (version-keyed): lost all the same, but not for that reason.
    for (const r of [await lostDelete({ old: "2.5.1", new: "2.6.0" }), await lostDelete(), await lostDelete({ old: "2.0.5", new: "2.1.4" }, "routes/w1")]) {
      expect([r.status, r.evidence.filter((x) => x.startsWith("diagnosis: "))]).to.deep.equal(["fail", []]);
    }
  });

  it("reports unknown-outcome writes, failing only those seen on some nodes but not all, and failed writes that show up", async () => {
    const fx = propagatedRun();
    fx.at(5000);
    fx.write("blue-1", "info"); // w-2: never seen -> note
    const partial = fx.write("blue-1", "info"); // w-3: seen on blue-1 only -> fail
    fx.observe(partial, "blue-1");
    const r1 = await adminWritesPropagated.check(fx.ctx());
    expect(r1.message).to.equal("1 problem with Admin writes: write w-3 (create services/svc-3 via blue-1 during Shift step 10%) had an unknown outcome and is seen on blue-1 but not on blue-2, green-1, green-2");
    const ghost = fx.write("blue-2", "fail");
    fx.observe(ghost, "green-2");
    const r2 = await adminWritesPropagated.check(fx.ctx());
    expect(r2.message).to.match(/; write w-4 \(create services\/svc-4 via blue-2 during Shift step 10%\) failed but is visible on green-2$/);
    expect(r2.evidence).to.include("write w-2 (create services/svc-2 via blue-1 during Shift step 10%) had an unknown outcome and was not observed anywhere");
  });

  it("says whether a revoked key was judged on the other cluster's nodes, so a pass shows what it covered", async () => {
    const fx = propagatedRun();
    fx.at(5000);
    const revoke = fx.write("blue-1", "ok", 10, { entity: "keyauth_credentials/key-1", action: "delete", expectOn: ["blue-1"] });
    fx.at(5100).observe(revoke, "blue-1");
    expect((await adminWritesPropagated.check(fx.ctx())).message).to.match(/; no revoked key was judged on the other cluster's nodes$/);
    fx.at(5200).observe(revoke, "green-1");
    expect((await adminWritesPropagated.check(fx.ctx())).message).to.match(/\); 1 revoked key refused by the other cluster's nodes too$/);
  });

  it("passes with a note for an unknown-outcome write not observed, and is unknown without ok writes", async () => {
    const fx = propagatedRun();
    fx.at(5000).write("blue-1", "info");
    expect((await adminWritesPropagated.check(fx.ctx())).message).to.match(/; 1 with unknown outcome reported; no key was revoked in this run/);
    const none = new RunFixture();
    none.write("blue-1", "info");
    const r = await adminWritesPropagated.check(none.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "no successful Admin writes in history.jsonl: nothing to check"]);
  });

  it("honours expectOn: a write only needs the nodes it names", async () => {
    const fx = new RunFixture();
    fx.at(0).phase("AfterFinish");
    const id = fx.write("green-1", "ok", 10, { expectOn: ["green-1", "green-2"] });
    fx.at(500).observe(id, "green-1").observe(id, "green-2");
    expect((await adminWritesPropagated.check(fx.ctx())).status).to.equal("pass");
  });
});

describe("no-new-admin-writes-before-finish", () => {
  const node = (name: string, writes: AccessLogWrite[] = [], o: Partial<NodeAccessLog> = {}): NodeAccessLog => ({ node: name, requests: 40 + writes.length, markerSeen: true, writes, ...o });
  const w = (atMs: number, method = "POST", path = "/consumers", status = 201): AccessLogWrite => ({ atMs, method, path, status });

  /** Shift from 0, finish completes at 1000, then the new nodes' logs are read (at 1010). */
  function run(...nodes: NodeAccessLog[]): RunFixture {
    return finishedRun(true, nodes);
  }

  function finishedRun(read: boolean, nodes: NodeAccessLog[]): RunFixture {
    const fx = new RunFixture();
    fx.at(0).phase("Shift").step(0, 25);
    fx.at(100).write("blue-1", "ok");
    fx.at(200).write("green-1", "refused", 0);
    fx.at(900).phase("MigrationsFinish");
    const finish = fx.history.invoke("migrations", F.migrationsFinish, { image: "kong-standin:2.6.0" });
    fx.at(1000).history.ok(finish, { exitCode: 0, stdout: "", stderr: "", image: "kong-standin:2.6.0" });
    if (read) fx.at(1010).event("harness", F.adminAccessLog, { cluster: "green", nodes });
    fx.phase("AfterFinish").at(1100).write("green-2", "ok");
    return fx;
  }

  it("passes when the new nodes' access logs show writes only after finish", async () => {
    const r = await noNewAdminWritesBeforeFinish.check(run(node("green-1", [w(1005)]), node("green-2")).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "no Admin write reached the new cluster before `kong migrations finish` completed at 1000 ms: the Admin access logs of green-1, green-2 show 81 requests, none a write before finish"]);
  });

  it("fails a write a new node logged before finish, whoever sent it, naming node, phase, method, path and time", async () => {
    const r = await noNewAdminWritesBeforeFinish.check(run(node("green-1"), node("green-2", [w(300, "PATCH", "/routes/r1", 200), w(1005)])).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "1 Admin write reached the new cluster before `kong migrations finish` completed at 1000 ms: PATCH /routes/r1 reached green-2 at 300 ms during Shift step 25% (answered 200)"]);
  });

  it("passes when no new node was running at finish (in place: they start after it)", async () => {
    const r = await noNewAdminWritesBeforeFinish.check(run().ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "no new node was running before `kong migrations finish` completed at 1000 ms: none could take an Admin write before it"]);
  });

  it("is unknown without finish, without a read after it, or with a log unreadable, off or missing", async () => {
    const noFinish = new RunFixture();
    noFinish.at(0).phase("Shift").at(300).write("green-1", "refused", 0);
    expect((await noNewAdminWritesBeforeFinish.check(noFinish.ctx())).message).to.equal("`kong migrations finish` never completed: there is no \"before finish\" to judge");
    expect((await noNewAdminWritesBeforeFinish.check(new RunFixture().ctx())).status).to.equal("unknown");
    expect((await noNewAdminWritesBeforeFinish.check(finishedRun(false, []).ctx())).message).to.equal("the new nodes' Admin access logs were not read after finish (completed at 1000 ms)");
    const partial = await noNewAdminWritesBeforeFinish.check(run(node("green-1", [], { markerSeen: false, requests: 0 }), node("green-2", [], { error: "no such container" })).ctx());
    expect([partial.status, partial.message]).to.deep.equal(["unknown", "no write before finish in the logs read, but 2 new nodes' logs are missing: green-1: the harness's marker request never showed in its log (is KONG_ADMIN_ACCESS_LOG off or not on stdout?); green-2: log unreadable (no such container)"]);
    const missing = await noNewAdminWritesBeforeFinish.check(run(node("green-1")).ctx());
    expect(missing.message).to.equal("no write before finish in the logs read, but 1 new node's log is missing: green-2: not running when the logs were read");
  });
});
