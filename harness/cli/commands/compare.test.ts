import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_FILES } from "../../checks/index.ts";
import { assembleReport } from "../../report/report.ts";
import { reportError } from "../console.ts";
import { ExitCode } from "../exit-codes.ts";
import { compareCommand } from "./compare.ts";

const CAUSE = "the datastore refused kong-real:2.5.1's login: Kong 2.5.1's Postgres client cannot use SCRAM";

function runDir(root: string, name: string, errorCause?: string): string {
  const dir = join(root, name);
  const report = assembleReport({
    startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:01:00.000Z",
    checks: [{ id: "zero-failed-requests", status: "pass", message: "0 failed", evidence: [] }],
    ...(errorCause ? { errorCause } : {}),
  }, new Date(0));
  mkdirSync(dir);
  writeFileSync(join(dir, RUN_FILES.report), JSON.stringify(report));
  return dir;
}

describe("compare command", () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), "kuh-compare-")); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("refuses to compare a run that ended in error: exit 3, naming the run and its cause", async () => {
    const ok = runDir(root, "ok");
    const broken = runDir(root, "broken", CAUSE);
    let caught: unknown;
    try { await compareCommand([ok, broken, "--no-step-summary"]); } catch (e) { caught = e; }
    expect((caught as Error)?.message).to.equal(`${broken} ended in error, the upgrade was not judged: ${CAUSE}`);
    const write = process.stderr.write;
    process.stderr.write = () => true;
    try { expect(reportError(caught)).to.equal(ExitCode.HarnessFailed); } finally { process.stderr.write = write; }
  });
});
