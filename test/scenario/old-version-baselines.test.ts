// Findings the old version shows too are not blamed on the upgrade (issue 11). Each run measures
// the old cluster before `up`: its answer to a PATCH of every seeded entity with its own GET body,
// its rate-limit overshoot and its propagation lag between old nodes; the checks then fail only on
// a change. Real Kong 1.5 to 3.0 on Postgres refuse a key-auth credential's own GET body
// (`"ttl": null`) with 500, before and after any upgrade; the stand-in models it.
import { expect } from "chai";
import { describeChecks, runScenario, type ScenarioRun } from "./scenario-run.ts";

/** 2.5.1 -> 2.6.0, two old and two new nodes (so the old nodes' lag between themselves can be measured), short. */
const PAIR = { old: "2.5.1", new: "2.6.0", oldNodes: 2, newNodes: 2, steps: [0, 50, 100], rate: 100, holdMs: 1_000 } as const;

/** "key-auths/0a1b2c3d-…" of the seeded credentials whose PATCH was reported pre-existing. */
const preExistingKeyAuths = (run: ScenarioRun): string[] =>
  run.check("old-data-after-finish").evidence.filter((l) => l.startsWith("pre-existing in ")).map((l) => /PATCH (key-auths\/[0-9a-f-]{36}) with its GET body answered 500 \{"message":"An unexpected error occurred"\}/.exec(l)?.[1] ?? l);

describe("scenario: the old version's own behaviour, measured before `up`, is not blamed on the upgrade", function () {
  this.timeout(6 * 60_000);

  // proves: old-node-refuses-after-finish
  it("2.5.1 -> 2.6.0: the key-auth PATCH 500 both versions give is reported as pre-existing, and the baselines are stated", async () => {
    const run = await runScenario(PAIR);
    const all = `${describeChecks(run)}\nreport: ${run.reportDir}/report.json`;
    // Only Kong's documented rule that its code does not enforce fails (a 2.5 node starts after the 2.6 finish).
    expect(run.notPassing, all).to.deep.equal(["old-node-refuses-after-finish"]);
    const old = run.check("old-data-after-finish");
    expect(old.message, all).to.match(/^all 12 entities seeded before `up` mean the same after finish; pre-existing in kong-standin:2\.5\.1 before `up`, not the upgrade's: the PATCH of 2 with its GET body answered 500 there too \(key-auths\/[0-9a-f]{8}… \(key (alice|cust)-key\), key-auths\/[0-9a-f]{8}… \(key (alice|cust)-key\)\); the others PATCH 200$/);
    expect(preExistingKeyAuths(run), old.evidence.join("\n")).to.have.length(2);
    expect(old.evidence[0], all).to.match(/^12 entities read on blue-1 before `up` \(each PATCHed there with its GET body: 12 answers of kong-standin:2\.5\.1\); after finish on green-1$/);
    // The old cluster's own rate-limit overshoot and propagation lag, measured on this run, are stated.
    expect(run.check("shared-rate-limit").evidence, all).to.satisfy((lines: string[]) => lines.some((l) => /^probe rate-limited: old-cluster baseline before `up`: \d+ seconds answered by blue-1 and blue-2 together with more than 5 requests, overshoot at most \d+ per second there/.test(l)));
    expect(run.check("admin-writes-propagated").evidence, all).to.satisfy((lines: string[]) => lines.some((l) => /^bound \d+ ms = 3000 ms \(Kong's documented delay 1000 ms: .*\(the old cluster's own lag before `up`: at most \d+ ms \(blue-[12] after a write via blue-[12]\) over \d+ \(write, node\) pairs of \d+ writes\)$/.test(l)));
    // The report's other formats carry the note too (junit.xml has no other text for a passing check).
    expect(run.report.checks.find((c) => c.id === "old-data-after-finish")?.message).to.contain("pre-existing in kong-standin:2.5.1");
  });

  // proves: old-data-after-finish, old-node-refuses-after-finish
  it("2.5.1 -> 2.6.0 with new nodes that refuse to PATCH a custom_id-only consumer: the changed answer fails, the key-auth 500 stays pre-existing", async () => {
    const run = await runScenario({ ...PAIR, faults: "green=patch-refuses-old-shaped" });
    const all = `${describeChecks(run)}\nreport: ${run.reportDir}/report.json`;
    expect([run.cli.code, run.report.verdict], all).to.deep.equal([1, "fail"]);
    expect([...run.notPassing].sort(), all).to.deep.equal(["old-data-after-finish", "old-node-refuses-after-finish"]);
    const old = run.check("old-data-after-finish");
    expect(old.status).to.equal("fail");
    expect(old.message, all).to.match(/^1 of 12 entities seeded before `up` do not mean the same after finish: consumers\/[0-9a-f]{8}… \(only custom_id cust-42\): PATCH with the unchanged body answered 400 on green-1: .*username: required field missing.* \(kong-standin:2\.5\.1 answered 200 before `up`\) \(2 more PATCH answers pre-existing in kong-standin:2\.5\.1, see the evidence\)$/);
    expect(preExistingKeyAuths(run), old.evidence.join("\n")).to.have.length(2);
  });
});
