// scenarios/chaos-during-shift.ts through the real CLI against stand-ins 1.5.1 -> 2.6.0: every
// scheduled fault is injected and recovered, each stays within its declared expectation (the clean
// run of fault-expectations), every other check passes, and the report carries the seed, the load
// balancer's settings and a faults table (report.json, report.html).
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { FaultRow, RequestLine } from "../../harness/checks/index.ts";
import type { Report } from "../../harness/report/index.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { runCli, type CliResult } from "../support/cli.ts";
import { validate, type Schema } from "../report/support/json-schema.ts";

const SCENARIO = "scenarios/chaos-during-shift.ts";

describe("chaos: scenarios/chaos-during-shift.ts through the CLI (stand-ins 1.5.1 -> 2.6.0)", function () {
  this.timeout(4 * 60_000);
  let cli: CliResult;
  let report: Report;
  let dir: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "kuh-chaos-"));
    // No key rotation: this run judges the fault schedule, and which revoked keys a fault window
    // leaves out would vary the pair's revoked-key finding (asserted in test/scenario/clean-runs.test.ts).
    cli = await runCli(["run", SCENARIO, "--old", "kong-standin:1.5.1", "--new", "kong-standin:2.6.0", "--report-dir", dir, "--no-revoke-credentials"], {}, 200_000);
    expect(existsSync(join(dir, "report.json")), `no report.json (exit ${cli.code}):\n${cli.stdout.slice(-3000)}\n${cli.stderr.slice(-2000)}`).to.equal(true);
    report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Report;
  });

  it("is listed by `list` with its description", async function () {
    const r = await runCli(["list"]);
    expect(r.stdout).to.match(/scenarios\/chaos-during-shift\.ts\s+Postgres blue\/green under a seeded fault schedule/);
  });

  it("passes every check, with fault-expectations in place of zero-failed-requests", function () {
    const notPassing = report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.status}: ${c.message}`);
    expect(notPassing).to.deep.equal([]);
    expect([cli.code, report.verdict]).to.deep.equal([0, "pass"]);
    const ids = report.checks.map((c) => c.id);
    expect(ids[0]).to.equal("fault-expectations");
    expect(ids).to.not.include("zero-failed-requests");
  });

  it("injects and recovers each scheduled fault, each within its expectation, with the seed and load balancer settings recorded", function () {
    const chaos = report.chaos!;
    expect(chaos.seed).to.equal(1);
    expect(chaos.toxiproxy).to.equal(true);
    expect(chaos.loadBalancer).to.deep.include({ timeoutMs: 5_000, retries: { onConnectFailure: 2, beforeAnswer: true } });
    const rows: FaultRow[] = [...chaos.faults];
    expect(rows.map((f) => [f.id, f.kind, f.state, f.verdict])).to.deep.equal([
      ["datastore-latency", "latency", "recovered", "pass"],
      ["kill-old-node", "kill", "recovered", "pass"],
      ["freeze-new-node", "pause", "recovered", "pass"],
      ["partition-old-node", "partition", "recovered", "pass"],
      ["datastore-restart", "datastore-restart", "recovered", "pass"],
    ]);
    const by = new Map(rows.map((f) => [f.id, f]));
    const kill = by.get("kill-old-node")!;
    expect(kill.nodes).to.deep.equal(["blue-1"]);
    expect(kill.outcome).to.match(/^killed \(SIGKILL\); started again, back in rotation \d+ms after recovery began$/);
    expect(by.get("freeze-new-node")!.nodes[0]).to.match(/^green-\d$/);
    expect(by.get("datastore-latency")!.outcome).to.match(/^toxic latency \{"latency":100,"jitter":20\} removed from blue-\d$/);
    expect(by.get("partition-old-node")!.outcome).to.equal("partitioned from the datastore; reconnected (blue-2)");
    expect(by.get("datastore-restart")!.outcome).to.match(/^datastore restarted, ready again after \d+ms$/);
    for (const f of rows) expect(f.requests, `${f.id}: load requests inside its window`).to.be.greaterThan(0);
    expect(chaos.failedOutsideWindows).to.equal(0);
  });

  it("watches the readiness of the node the kill started again, and judges it with the new nodes", function () {
    const c = report.checks.find((x) => x.id === "readiness-honest")!;
    expect(c.message).to.match(/^all 3 nodes served like the baseline within \d+ ms of `\/status` saying ready \(largest gap \d+ ms\): (green-\d, ){2}blue-1 \(started by fault kill-old-node\)$/);
    const nodes = (c.data as { nodes: { node: string; startedBy?: string }[] }).nodes;
    expect(nodes.map((v) => `${v.node}${v.startedBy ? ` by ${v.startedBy}` : ""}`).sort()).to.deep.equal(["blue-1 by kill-old-node", "green-1", "green-2"]);
  });

  it("with retries on, the kill failed no idempotent request: a failure in its window is a POST already sent", function () {
    const kill = report.chaos!.faults.find((f) => f.id === "kill-old-node")!;
    const failedInWindow = readFileSync(join(dir, "requests.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestLine)
      .filter((r) => r.endMs >= kill.startMs && r.startMs <= kill.endMs! && r.node === kill.nodes[0] && (r.error !== undefined || r.status === null));
    expect(failedInWindow.filter((r) => r.method !== "POST").map((r) => `${r.method} ${r.path} ${r.error}`)).to.deep.equal([]);
    expect(kill.retried, "requests a retry moved to another node").to.be.greaterThan(0);
  });

  it("writes a schema-valid report.json and a report.html with the fault strip, markers and table", function () {
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/report.schema.json"), "utf8")) as Schema;
    expect(validate(schema, report)).to.deep.equal([]);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).to.contain('<section id="faults" data-seed="1">');
    expect(html.match(/<g data-fault="[^"]+" data-verdict="pass"/g)).to.have.length(5);
    expect(html).to.contain('class="marker-fault" data-marker="fault kill-old-node"');
  });
});
