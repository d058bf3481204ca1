// A qualification of 2 pairs x 2 scenarios run on stand-ins three ways through the real CLI: in one
// piece, and as 2 shards one after the other, merged. The merge must judge like the run in one
// piece: the same pairs, verdicts, check counts and failed checks, JUnit totals and exit code. The
// two share nothing but the plan (every run is made twice), so a merge that lost, doubled or
// misjudged a pair, or a split that ran a pair twice or never, shows. A merge missing a shard is
// refused, naming it. The settings are the shortest the CLI takes: 1 old and 1 new node, 50
// requests/s, two steps of 500 ms; Postgres only; migration-killed-during-up ends early on these
// pairs (2.x -> 2.6.0 has no Postgres migration for the fault to kill), which is its verdict either way.
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Qualification } from "../../harness/qualify/index.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { validate, type Schema } from "../report/support/json-schema.ts";
import { runCli, type CliResult } from "../support/cli.ts";

const PLAN = ["qualify", "--target", "2.6.0", "--from", "2.5.1,2.4.1", "--datastore", "postgres", "--standin",
  "--scenarios", "postgres-blue-green,migration-killed-during-up", "--old-nodes", "1", "--new-nodes", "1", "--rate", "50", "--hold-ms", "500", "--steps", "0,100"];
const read = (dir: string): Qualification => JSON.parse(readFileSync(join(dir, "qualification.json"), "utf8")) as Qualification;
const schema = (): Schema => JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/qualification.schema.json"), "utf8")) as Schema;
/** What must be equal between the merge and the run in one piece (run times and latencies differ between runs). */
const judged = (q: Qualification) => ({
  verdict: q.verdict, requested: q.requested, planned: q.planned, refused: q.refused, completed: q.completed, interrupted: q.interrupted, planFingerprint: q.planFingerprint,
  pairs: q.pairs.map((p) => ({ id: p.id, verdict: p.verdict, scenario: p.scenario, counts: p.counts, failed: p.failedChecks.map((c) => `${c.id}:${c.status}`), exitCode: p.exitCode })),
});
const junitHead = (dir: string): string => /<testsuites [^>]*?tests="\d+" failures="\d+" errors="\d+"/.exec(readFileSync(join(dir, "junit.xml"), "utf8"))![0];
const suites = (dir: string): string[] => [...readFileSync(join(dir, "junit.xml"), "utf8").matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)"/g)].map((m) => m.slice(1).join(" "));

describe("CLI: qualify --shard K/N and qualify merge (stand-ins, 2 pairs x 2 scenarios)", function () {
  this.timeout(12 * 60_000);
  const root = mkdtempSync(join(tmpdir(), "kuh-qualify-shards-"));
  const [whole, shard1, shard2, merged] = ["whole", "shard-1", "shard-2", "merged"].map((d) => join(root, d)) as [string, string, string, string];
  const cli: Record<string, CliResult> = {};
  const line = (r: CliResult): string => `exit ${r.code}\n${r.stdout.slice(-2500)}\n${r.stderr.slice(-1500)}`;

  before(async () => {
    cli.whole = await runCli([...PLAN, "--out", whole], {}, 6 * 60_000);
    cli.shard1 = await runCli([...PLAN, "--shard", "1/2", "--out", shard1], {}, 4 * 60_000);
    cli.shard2 = await runCli([...PLAN, "--shard", "2/2", "--out", shard2], {}, 4 * 60_000);
    for (const [k, dir] of [["whole", whole], ["shard1", shard1], ["shard2", shard2]] as const) expect(existsSync(join(dir, "qualification.json")), `${k}: ${line(cli[k]!)}`).to.equal(true);
    cli.merge = await runCli(["qualify", "merge", shard1, shard2, "--out", merged, "--no-step-summary"]);
    const q = [whole, shard1, shard2].map(read);
    process.stdout.write(`      [qualify] in one piece ${(cli.whole!.ms / 1000).toFixed(0)} s; shards ${(cli.shard1!.ms / 1000).toFixed(0)} s + ${(cli.shard2!.ms / 1000).toFixed(0)} s; `
      + `${q[0]!.pairs.map((p) => `${p.id} ${p.verdict}`).join(", ")}\n`);
  });

  it("each shard ran its part of the plan, recording K/2 and the plan's fingerprint; together every pair once", () => {
    const [one, a, b] = [read(whole), read(shard1), read(shard2)];
    expect(one.pairs.map((p) => p.id)).to.deep.equal([
      "2.5.1-to-2.6.0-postgres-postgres-blue-green", "2.5.1-to-2.6.0-postgres-migration-killed-during-up",
      "2.4.1-to-2.6.0-postgres-postgres-blue-green", "2.4.1-to-2.6.0-postgres-migration-killed-during-up",
    ]);
    expect([a.shard!.index, a.shard!.count, b.shard!.index, b.shard!.count]).to.deep.equal([1, 2, 2, 2]);
    expect([a.planFingerprint, b.planFingerprint]).to.deep.equal([one.planFingerprint, one.planFingerprint]);
    const ids = [...a.pairs, ...b.pairs].map((p) => p.id);
    expect([...ids].sort()).to.deep.equal(one.pairs.map((p) => p.id).sort());
    expect(a.pairs.length && b.pairs.length, "both shards ran something").to.be.greaterThan(0);
    for (const q of [one, a, b]) expect(validate(schema(), q)).to.deep.equal([]);
  });

  it("the merge judges like the run in one piece: verdicts, counts, failed checks, JUnit and exit code", () => {
    expect(cli.merge!.code, line(cli.merge!)).to.equal(cli.whole!.code);
    const [one, m] = [read(whole), read(merged)];
    // Every pair was judged (no run errored), so equal verdicts are not two empty qualifications agreeing.
    expect(one.pairs.map((p) => p.verdict).filter((v) => v !== "pass" && v !== "fail"), JSON.stringify(one.pairs.map((p) => p.error))).to.deep.equal([]);
    expect(one.pairs.every((p) => p.counts !== null && p.counts.pass > 0)).to.equal(true);
    expect(judged(m)).to.deep.equal(judged(one));
    expect(m.mergedFrom!.map((s) => s.shard)).to.deep.equal(["1/2", "2/2"]);
    expect(junitHead(merged)).to.equal(junitHead(whole));
    expect(suites(merged)).to.deep.equal(suites(whole));
    expect(validate(schema(), m)).to.deep.equal([]);
    // Each merged pair's verdict and counts are its copied run's own report.json.
    for (const p of m.pairs) {
      const r = JSON.parse(readFileSync(join(merged, p.reportDir!, "report.json"), "utf8")) as { verdict: string; counts: unknown };
      expect([p.verdict, p.counts], p.id).to.deep.equal([r.verdict, r.counts]);
      expect(existsSync(join(merged, p.reportDir!, "report.html")), `${p.id}/report.html`).to.equal(true);
    }
    expect(readFileSync(join(merged, "index.html"), "utf8")).to.contain(`<body data-verdict="${one.verdict}">`);
  });

  it("a shard missing from the merge: exit 3, one line naming it", async () => {
    const r = await runCli(["qualify", "merge", shard1, "--out", join(root, "partial"), "--no-step-summary"]);
    expect(r.code).to.equal(3);
    expect(r.stderr.trim()).to.equal(`error: shard 2/2 of plan ${read(whole).planFingerprint.slice(0, 12)} is missing (given: 1/2) (download every shard's artifact, or run the missing shard again)`);
  });
});
