// junit.xml parses and has one case per check; report.json validates against the versioned schema;
// `compare` finds no regression between two runs with the same finding (the demo pair's revoked
// keys) and flags the regression a fault switch makes against a passing run.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { runCli } from "../support/cli.ts";
import { validate, type Schema } from "./support/json-schema.ts";
import { demoRuns, type DemoRuns } from "./support/runs.ts";
import { findAll, parseXml } from "./support/xml.ts";

interface ReportJson { schemaVersion: number; checks: { id: string; status: string; message: string }[] }
const readReport = (dir: string): ReportJson => JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as ReportJson;

describe("junit.xml, report.json schema and compare (demo runs against stand-ins)", function () {
  this.timeout(600_000);
  let runs: DemoRuns;
  before(async () => {
    runs = await demoRuns();
    for (const dir of [runs.pass, runs.fail, runs.finding]) await runCli(["report", dir, "--no-step-summary"]);
  });

  for (const label of ["pass", "fail", "finding"] as const) {
    it(`junit.xml of the ${label} run parses and has one test case per check`, () => {
      const report = readReport(runs[label]);
      const root = parseXml(readFileSync(join(runs[label], "junit.xml"), "utf8"));
      expect(root.name).to.equal("testsuites");
      const cases = findAll(root, "testcase");
      expect(cases.map((c) => c.attrs.name)).to.deep.equal(report.checks.map((c) => c.id));
      const failed = cases.filter((c) => c.children.some((x) => x.name === "failure")).map((c) => c.attrs.name);
      expect(failed).to.deep.equal(report.checks.filter((c) => c.status === "fail").map((c) => c.id));
      expect(Number(root.attrs.failures)).to.equal(failed.length);
      for (const c of cases) {
        const f = c.children.find((x) => x.name === "failure");
        if (f) expect(f.attrs.message).to.equal(report.checks.find((x) => x.id === c.attrs.name)!.message);
      }
    });

    it(`report.json of the ${label} run validates against reports/schema/report.schema.json`, () => {
      const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, "reports/schema/report.schema.json"), "utf8")) as Schema;
      const report = readReport(runs[label]);
      expect(report.schemaVersion).to.equal((schema.properties as { schemaVersion: { const: number } }).schemaVersion.const);
      expect(validate(schema, report)).to.deep.equal([]);
    });
  }

  it("compare finds no regression between two runs of the demo pair with the same finding (exit 0)", async () => {
    const r = await runCli(["compare", runs.finding, runs.finding2, "--no-step-summary"]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain("no regression");
    // Known in the baseline, so not a regression, and still listed.
    expect(r.stdout).to.contain("ok         check:admin-writes-propagated: admin-writes-propagated was already fail in the baseline");
  });

  it("compare flags the regression of the fault run (exit 1) and names it", async () => {
    const r = await runCli(["compare", runs.pass, runs.fail, "--no-step-summary"]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.match(/REGRESSION check:zero-failed-requests: zero-failed-requests fails now \(baseline: pass\)/);
    expect(r.stdout).to.match(/REGRESSION failed-requests: failed requests 0 requests -> [1-9][\d,]* requests/);
  });
});
