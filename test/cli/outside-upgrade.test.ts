// A run whose old image does not start at all on the datastore its own bootstrap just made is not a
// failed upgrade: no upgrade step ran. Here the old cluster's one node is given a fault switch it
// cannot parse (the stand-in exits 1 at start, as a broken image would); the run ends with exit 3,
// report.json's verdict "error" and the node's own error line as the cause.
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Report } from "../../harness/report/index.ts";
import { runCli } from "../support/cli.ts";

describe("CLI: a step outside the upgrade fails (verdict error, exit 3)", function () {
  this.timeout(4 * 60_000);

  it("the old image does not start before `up`: exit 3, one line naming the image, the node and its error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-outside-"));
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--old", "kong-standin:2.5.1", "--new", "kong-standin:2.6.0", "--report-dir", dir,
      "--old-nodes", "1", "--new-nodes", "1", "--rate", "50", "--hold-ms", "1000", "--steps", "0,100", "--faults", "blue-1=proxy-5xx@bogus"], {}, 3 * 60_000);
    const cause = 'the old image kong-standin:2.5.1 does not start on the datastore it just bootstrapped, before any upgrade step: node "blue-1" exited 1: '
      + 'Error: fault "proxy-5xx@bogus": scope "bogus" is not key=value';
    expect(r.code, `${r.stdout.slice(-2000)}\n${r.stderr}`).to.equal(3);
    expect(r.stderr.trim().split("\n")).to.deep.equal([`error: ${cause}`]);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as Report;
    expect(report).to.include({ verdict: "error", errorCause: cause });
    expect(report.migrations.find((m) => m.f === "migrations-bootstrap")?.exitCode, "the bootstrap itself passed").to.equal(0);
    expect(report.nodeLogs.map((l) => l.node)).to.include("blue-1");
  });
});
