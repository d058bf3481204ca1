// The datastore's password authentication through the real CLI, on stand-ins that model each Kong
// version's Postgres client: 2.5.1 (pgmoon 1.12.0, no SCRAM) on a SCRAM-SHA-256 datastore cannot
// even bootstrap, which says nothing about the upgrade: exit 3, report.json's verdict "error" with
// the diagnosis. 2.8.5 (pgmoon 1.16.0) bootstraps the same kind of datastore. Runs kept short: 1+1
// nodes, low rate, two shift steps.
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Report } from "../../harness/report/index.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { validate, type Schema } from "../report/support/json-schema.ts";
import { runCli } from "../support/cli.ts";

const SHORT = ["--old-nodes", "1", "--new-nodes", "1", "--rate", "50", "--hold-ms", "1000", "--steps", "0,100"];
const DIAGNOSIS = "`kong migrations bootstrap` exited 1: kong-standin:2.5.1 cannot log in to the datastore: Kong 2.5.1's Postgres client (pgmoon 1.12.0) "
  + "cannot use SCRAM-SHA-256 authentication (`don't know how to auth: 10`; SCRAM needs Kong 2.7.0+); run with --pg-auth md5 (Postgres: password_encryption=md5, md5 in pg_hba.conf)";
const read = (dir: string, file: string): string => readFileSync(join(dir, file), "utf8");
const schema = (): Schema => JSON.parse(read(PROJECT_ROOT, "reports/schema/report.schema.json")) as Schema;

describe("CLI: the datastore's authentication per Kong version (--pg-auth)", function () {
  this.timeout(6 * 60_000);

  it("a bad --pg-auth is refused in one line, exit 2", async () => {
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--pg-auth", "scram"]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.deep.equal(['error: --pg-auth must be auto, md5, scram-sha-256, but is "scram" (md5 lets every Kong version log in; scram-sha-256 needs Kong 2.7.0+)']);
  });

  it("stand-in 2.5.1 on a SCRAM datastore: bootstrap fails with Kong's message, exit 3, report.json says error with the diagnosis", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-pg-auth-"));
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--old", "kong-standin:2.5.1", "--new", "kong-standin:2.6.0", "--pg-auth", "scram-sha-256", "--report-dir", dir, ...SHORT], {}, 4 * 60_000);
    expect(r.code, `${r.stdout.slice(-2000)}\n${r.stderr}`).to.equal(3);
    expect(r.stderr.trim().split("\n")).to.deep.equal([`error: ${DIAGNOSIS}`]);
    const report = JSON.parse(read(dir, "report.json")) as Report;
    expect(report).to.include({ verdict: "error", errorCause: DIAGNOSIS });
    expect(report.images.find((i) => i.role === "datastore")).to.include({ auth: "scram-sha-256" });
    const boot = report.migrations.find((m) => m.f === "migrations-bootstrap");
    expect([boot?.exitCode, boot?.stderr]).to.deep.equal([1, "Error: don't know how to auth: 10\n\n  Run with --v (verbose) or --vv (debug) for more details\n"]);
    expect(validate(schema(), report), "report.json against reports/schema/report.schema.json").to.deep.equal([]);
    expect(read(dir, "summary.md").split("\n")[0]).to.equal("## ⛔ ERROR: postgres-blue-green 2.5.1 → 2.6.0");
    expect(read(dir, "report.html")).to.contain('<body data-verdict="error"');
    expect(read(dir, "junit.xml")).to.contain('name="run-completed"');
    expect(r.stdout).to.contain("Verdict: ERROR");
  });

  it("stand-in 2.8.5 (SCRAM) on a SCRAM datastore: bootstrap passes and the run is judged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kuh-pg-auth-"));
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--old", "kong-standin:2.8.5", "--new", "kong-standin:3.0.1", "--pg-auth", "scram-sha-256", "--report-dir", dir, ...SHORT], {}, 5 * 60_000);
    const report = JSON.parse(read(dir, "report.json")) as Report;
    expect(report.images.find((i) => i.role === "datastore")).to.include({ auth: "scram-sha-256" });
    const boot = report.migrations.find((m) => m.f === "migrations-bootstrap");
    expect(boot?.exitCode, boot?.stderr).to.equal(0);
    expect(report.verdict, `${report.errorCause}\n${r.stderr}`).to.not.equal("error");
    expect(r.code, "exit code follows the verdict").to.equal(report.verdict === "pass" ? 0 : 1);
    expect(report.checks.length).to.be.greaterThan(0);
  });
});
