import { expect } from "chai";
import { credentialsSurviveUpgrade } from "./credentials-survive-upgrade.ts";
import { F } from "./records.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const CREDS = { ...EXPECTATIONS, baseline: { ...EXPECTATIONS.baseline, "key-ok": 200 }, credentialProbes: ["key-ok"] };

function migration(fx: RunFixture, f: string, exitCode = 0): RunFixture {
  fx.history.ok(fx.history.invoke("migrations", f, { image: "new" }), { exitCode, stdout: "", stderr: "", image: "new" });
  return fx;
}

/** Baseline 0-1000, MigrationsUp 1000-2000 (`up` done at 1500), Shift 2000-3000, finish at 3000, AfterFinish from 3000. */
function upgrade(r: (phase: string) => { status: number; node?: string; cluster?: "blue" | "green" } = () => ({ status: 200 })): RunFixture {
  const fx = new RunFixture(CREDS).at(0).phase("Baseline");
  const load = (from: number, phase: string): void => { fx.load(5, from, from + 400, { probe: "key-ok", ...r(phase) }); };
  load(100, "Baseline");
  fx.at(1000).phase("MigrationsUp");
  load(1000, "MigrationsUp");
  fx.at(1500);
  migration(fx, F.migrationsUp);
  load(1500, "MigrationsUp");
  fx.at(2000).phase("Shift");
  load(2000, "Shift");
  fx.at(3000).phase("MigrationsFinish");
  migration(fx, F.migrationsFinish);
  fx.phase("AfterFinish");
  load(3000, "AfterFinish");
  return fx;
}

describe("credentials-survive-upgrade", () => {
  it("passes when the seeded keys answer 200 after `up` and after finish, stating each phase", async () => {
    const r = await credentialsSurviveUpgrade.check(upgrade().ctx());
    expect([r.status, r.message]).to.deep.equal(["pass",
      "credentials created before `up` (key-ok) worked in every phase, 15 answers 200 after `up` and 5 after finish; per phase (200/answers): Baseline 5/5, MigrationsUp 10/10, Shift 5/5, AfterFinish 5/5"]);
  });

  it("fails on a 401 or 403 in any phase, through the load or from a direct probe, and shows the phase table", async () => {
    const fx = upgrade((phase) => (phase === "Shift" ? { status: 401, node: "green-1", cluster: "green" } : { status: 200 }));
    fx.event("harness", F.probeAnswers, { node: "blue-cold", cluster: "blue", purpose: "cold-start", answers: [{ probe: "key-ok", status: 403, fromUpstream: false }] }, "blue-cold");
    const r = await credentialsSurviveUpgrade.check(fx.ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal("credentials created before `up` were refused 6 times: key-ok got 401 on green-1 during Shift 5 times; key-ok got 403 on blue-cold during AfterFinish [probe: cold-start]; "
      + "per phase (200/answers): Baseline 5/5, MigrationsUp 10/10, Shift 0/5 (5 refused), AfterFinish 5/6 (1 refused)");
  });

  it("does not count other errors (a 502 is zero-failed-requests' business)", async () => {
    const r = await credentialsSurviveUpgrade.check(upgrade((phase) => ({ status: phase === "Shift" ? 502 : 200 })).ctx());
    expect(r.status).to.equal("pass");
    expect(r.message).to.match(/Shift 0\/5,/);
  });

  it("is unknown without credential probes, without a successful `up`, or with no answer after finish", async () => {
    const none = await credentialsSurviveUpgrade.check(new RunFixture().ctx());
    expect(none.message).to.equal("no credential probes in expectations.json: nothing to check");
    const noUp = new RunFixture(CREDS).at(0).phase("Baseline").load(5, 0, 500, { probe: "key-ok" });
    migration(noUp, F.migrationsUp, 1);
    expect((await credentialsSurviveUpgrade.check(noUp.ctx())).message).to.equal("no successful `kong migrations up` in history.jsonl: credentials were never tried after it");
    const fx = new RunFixture(CREDS).at(0).phase("MigrationsUp");
    migration(fx, F.migrationsUp).load(5, 0, 500, { probe: "key-ok" });
    const r = await credentialsSurviveUpgrade.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "no successful `kong migrations finish`: credentials were never tried after finish"]);
  });

  // Two credentials; the second (key-cust) answers only in the phases `only` names.
  const TWO = { ...CREDS, baseline: { ...CREDS.baseline, "key-cust": 200 }, credentialProbes: ["key-ok", "key-cust"] };
  function twoKeys(only: readonly string[]): RunFixture {
    const fx = upgrade();
    fx.expectations = TWO;
    for (const [phase, from] of [["Baseline", 100], ["MigrationsUp", 1500], ["Shift", 2000], ["AfterFinish", 3000]] as const) {
      if (only.includes(phase)) fx.load(5, from, from + 400, { probe: "key-cust" });
    }
    return fx;
  }

  it("is unknown when one credential never answered after `up` or after finish, however well the other did", async () => {
    const beforeUpOnly = await credentialsSurviveUpgrade.check(twoKeys(["Baseline"]).ctx());
    expect([beforeUpOnly.status, beforeUpOnly.message]).to.deep.equal(["unknown",
      "no answer 200 for key-cust after `up` completed (only key-ok answered 200: 15): that credential was never shown working after it"]);
    const notAfterFinish = await credentialsSurviveUpgrade.check(twoKeys(["Baseline", "MigrationsUp", "Shift"]).ctx());
    expect([notAfterFinish.status, notAfterFinish.message]).to.deep.equal(["unknown",
      "no answer 200 for key-cust after finish completed (only key-ok answered 200: 5): that credential was never shown working after finish"]);
    expect(notAfterFinish.evidence).to.include("per credential, answers 200 after `up` / after finish: key-ok 15/5, key-cust 10/0");
    const every = await credentialsSurviveUpgrade.check(twoKeys(["Baseline", "MigrationsUp", "Shift", "AfterFinish"]).ctx());
    expect(every.status).to.equal("pass");
  });
});
