// `qualify` through the real CLI against stand-ins: the smallest matrix that runs the Cassandra
// path and the report (one run, within the 90 s this file may add). 2.2.2 -> 2.6.0 on cassandra
// runs in place, as the plan says for 2.2.x; 0.14.1, which the plan routes through 1.5.x (two
// hops), is reported as refused. The Postgres pairs' planning is qualify.test.ts's (unit); here a
// request whose every pair is refused covers both datastores without a run. The run fails on the
// documented finding alone (Kong does not stop a 2.2 node after the 2.6 finish): each pair's verdict
// and failed checks are pinned, then read back against the run's own report.json.
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Qualification } from "../../harness/qualify/index.ts";
import type { Report } from "../../harness/report/index.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { validate, type Schema } from "../report/support/json-schema.ts";
import { runCli, type CliResult } from "../support/cli.ts";

const SHORT = ["--old-nodes", "1", "--new-nodes", "1", "--rate", "100", "--hold-ms", "1000", "--steps", "0,50,100"];
const schema = (): Schema => JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/qualification.schema.json"), "utf8")) as Schema;
/** The documented finding: Kong does not stop a 2.2 node after the 2.6 finish (kong-reference §0.3). */
const OLD_NODE_STARTS = "kong-standin:2.2.2 started against a database finished by kong-standin:2.6.0 and served 11/11 baseline requests correctly: Kong does not enforce the documented rule; see kong-reference §0.3";
const hops = (ds: string): string => `the plan needs 2 hops (0.14.1 -> 1.5.x -> 2.6.0); qualify runs one-hop pairs: run this path with \`kong-upgrade-harness run --path --from 0.14.1 --to 2.6.0 --datastore ${ds}\``;

describe("CLI: qualify (stand-ins, cassandra in place)", function () {
  this.timeout(6 * 60_000);
  let out: string;
  let cli: CliResult;
  let q: Qualification;
  const runReport = (id: string): Report => JSON.parse(readFileSync(join(out, id, "report.json"), "utf8")) as Report;

  before(async () => {
    out = mkdtempSync(join(tmpdir(), "kuh-qualify-cli-"));
    cli = await runCli(["qualify", "--target", "2.6.0", "--from", "2.2.2,0.14.1", "--datastore", "cassandra", "--standin", "--out", out, ...SHORT], {}, 5 * 60_000);
    expect(existsSync(join(out, "qualification.json")), `no qualification.json (exit ${cli.code}):\n${cli.stdout.slice(-3000)}\n${cli.stderr.slice(-2000)}`).to.equal(true);
    q = JSON.parse(readFileSync(join(out, "qualification.json"), "utf8")) as Qualification;
    process.stdout.write(`      [qualify] ${q.pairs.map((p) => `${p.id} ${p.verdict} ${(p.durationMs / 1000).toFixed(0)} s`).join(", ")}; CLI ${(cli.ms / 1000).toFixed(0)} s\n`);
  });

  it("plans each pair with the plan: in place on cassandra for 2.2.2, the two-hop pair refused with the plan's reason", () => {
    expect(q.pairs.map((p) => [p.id, p.verdict === "refused" ? "refused" : "ran", p.procedure, p.scenario])).to.deep.equal([
      ["2.2.2-to-2.6.0-cassandra", "ran", "cassandra-in-place", "scenarios/cassandra-in-place.ts"],
      ["0.14.1-to-2.6.0-cassandra", "refused", null, null],
    ]);
    expect(q.pairs[0]!.planReason).to.match(/^Cassandra schemas of 2\.2\.x and later are compatible with 2\.6\.x/);
    expect(q.pairs[1]!.refusal).to.equal(hops("cassandra"));
    expect(q).to.include({ requested: 2, planned: 1, refused: 1, completed: 1, interrupted: false });
    expect(validate(schema(), q), "qualification.json against reports/schema/qualification.schema.json").to.deep.equal([]);
    expect(cli.stdout).to.contain(`Not running 0.14.1 -> 2.6.0 on cassandra: ${hops("cassandra")}`);
  });

  it("the run used Cassandra and the plan's scenario (it judged its downtime window)", () => {
    const cs = runReport("2.2.2-to-2.6.0-cassandra");
    expect(cs.scenario).to.equal("cassandra-in-place");
    expect(cs.checks.map((c) => c.id)).to.include("downtime-window");
    expect(cs.images.map((i) => i.ref)).to.include.members(["kong-standin:2.2.2", "kong-standin:2.6.0", "cassandra:5.0"]);
    const nodes = (JSON.parse(readFileSync(join(out, "2.2.2-to-2.6.0-cassandra", "expectations.json"), "utf8")) as { nodes: { blue: string[]; green: string[] } }).nodes;
    expect(nodes, "--old-nodes 1 --new-nodes 1 reached the run").to.deep.equal({ blue: ["blue-1"], green: ["green-1"] });
  });

  // proves: old-node-refuses-after-finish
  it("per-pair verdicts, counts and failed checks are each run's own report.json; overall verdict and exit code follow", () => {
    for (const p of q.pairs.filter((x) => x.reportDir !== null)) {
      const r = runReport(p.id);
      expect(p.verdict, p.id).to.equal(r.verdict);
      expect(p.counts, p.id).to.deep.equal(r.counts);
      expect(p.failedChecks.map((c) => c.id), p.id).to.deep.equal(r.checks.filter((c) => c.status !== "pass").map((c) => c.id));
      expect(p.exitCode, p.id).to.equal(r.verdict === "pass" ? 0 : 1);
      expect(existsSync(join(out, p.reportDir!, "report.html")), `${p.id}/report.html`).to.equal(true);
    }
    // Each pair's verdict, pinned: the run fails on the documented finding and on nothing else.
    expect(q.pairs.map((p) => [p.id, p.verdict, p.failedChecks.map((c) => `${c.id}:${c.status}`)]), `errors: ${JSON.stringify(q.pairs.map((p) => p.error))}`).to.deep.equal([
      ["2.2.2-to-2.6.0-cassandra", "fail", ["old-node-refuses-after-finish:fail"]],
      ["0.14.1-to-2.6.0-cassandra", "refused", []],
    ]);
    expect(q.pairs[0]!.failedChecks[0]!.message).to.equal(OLD_NODE_STARTS);
    expect(q.verdict).to.equal("fail");
    expect(cli.code, cli.stderr).to.equal(1);
  });

  it("index.html: the overall verdict, a row per pair with its verdict, a link to each run's report", () => {
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).to.contain(`<body data-verdict="fail">`);
    expect(html).to.contain("✘ NOT QUALIFIED: 0 of 2 pairs passed; 1 failed, 1 refused by the plan (not run)");
    for (const p of q.pairs) expect(html, p.id).to.contain(`data-pair="${p.id}" data-verdict="${p.verdict}" data-datastore="${p.datastore}"`);
    expect(html).to.contain('<a href="2.2.2-to-2.6.0-cassandra/report.html">report.html</a>');
    expect(html).to.contain("STAND-IN IMAGES.");
  });

  it("junit.xml: a suite per run with a case per check, a skipped case per refused pair; totals add up", () => {
    const xml = readFileSync(join(out, "junit.xml"), "utf8");
    const runs = ["2.2.2-to-2.6.0-cassandra"].map(runReport);
    const tests = runs.reduce((a, r) => a + r.checks.length, 0) + 1;
    const failures = runs.reduce((a, r) => a + r.counts.fail, 0);
    const errors = runs.reduce((a, r) => a + r.counts.unknown, 0);
    expect(xml).to.match(new RegExp(`<testsuites name="qualification of Kong 2.6.0" tests="${tests}" failures="${failures}" errors="${errors}"`));
    expect(xml).to.contain(`<testsuite name="cassandra: cassandra-in-place 2.2.2 -&gt; 2.6.0" tests="${runs[0]!.checks.length}" failures="${runs[0]!.counts.fail}"`);
    expect(xml.match(/<testcase /g)).to.have.length(tests);
    expect(xml).to.contain(`<testsuite name="cassandra: 0.14.1 -&gt; 2.6.0" tests="1" failures="0" errors="0" skipped="1" time="0">`);
    expect(xml).to.contain(`<skipped message="${hops("cassandra").replace(/>/g, "&gt;")}"/>`);
  });

  it("a request the plan runs none of (both datastores): the report is still written, exit 2, one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-qualify-none-"));
    const r = await runCli(["qualify", "--target", "2.6.0", "--from", "0.14.1", "--datastore", "postgres,cassandra", "--standin", "--out", dir]);
    expect(r.code, r.stdout).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.deep.equal([`error: the plan runs none of the 2 requested pairs (see ${join(dir, "index.html")}) (change --from, --target or --datastore; see \`kong-upgrade-harness plan\`)`]);
    const none = JSON.parse(readFileSync(join(dir, "qualification.json"), "utf8")) as Qualification;
    expect(none.pairs.map((p) => [p.id, p.verdict, p.refusal])).to.deep.equal([
      ["0.14.1-to-2.6.0-postgres", "refused", hops("postgres")], ["0.14.1-to-2.6.0-cassandra", "refused", hops("cassandra")],
    ]);
    expect(none.verdict).to.equal("fail");
    expect(validate(schema(), none)).to.deep.equal([]);
    expect(readFileSync(join(dir, "junit.xml"), "utf8").match(/<skipped /g)).to.have.length(2);
  });

  it("an unknown release is bad input: exit 2, one line, nothing run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-qualify-bad-"));
    const r = await runCli(["qualify", "--target", "2.9.0", "--from", "2.5.1", "--standin", "--out", dir]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.equal("error: --target: Kong 2.9 was never released (2.x ends at 2.8) (see `kong-upgrade-harness plan --from X --to Y`)");
    expect(existsSync(join(dir, "qualification.json"))).to.equal(false);
  });
});
