import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { F, History, RUN_FILES, writeExpectations, type CheckResult } from "../checks/index.ts";
import { EXPECTATIONS, ManualClock } from "../checks/testing.ts";
import { recheck } from "./analyze.ts";
import { assembleReport, writeReportSync, type Report } from "./report.ts";
import { formatSummary } from "./summary.ts";

const check = (id: string, status: CheckResult["status"], message: string = status): CheckResult => ({ id, status, message, evidence: [] });

describe("report.json", () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "kuh-report-")); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is written from partial data of an interrupted run, with a fail verdict and every section present", () => {
    const { path, report } = writeReportSync(join(dir, "run"), { interrupted: true, interruptReason: "SIGINT", images: [{ role: "old", ref: "kong-standin:2.5.1", standin: true }] });
    const onDisk = JSON.parse(readFileSync(path, "utf8")) as Report;
    expect(onDisk).to.deep.equal(JSON.parse(JSON.stringify(report)));
    expect([onDisk.verdict, onDisk.interrupted, onDisk.interruptReason, onDisk.standin]).to.deep.equal(["fail", true, "SIGINT", true]);
    expect(Object.keys(onDisk)).to.include.members(["checks", "images", "versions", "phases", "steps", "admin", "migrations", "schemaDiffs", "nodeLogs", "timings", "errors"]);
    expect(existsSync(`${path}.${process.pid}.tmp`)).to.equal(false);
  });

  it("passes only when every check passed and the run was not interrupted", () => {
    expect(assembleReport({ checks: [check("a", "pass")] }).verdict).to.equal("pass");
    expect(assembleReport({ checks: [check("a", "pass"), check("b", "unknown")] }).verdict).to.equal("fail");
    expect(assembleReport({ checks: [check("a", "pass")], interrupted: true }).verdict).to.equal("fail");
    expect(assembleReport({}).verdict).to.equal("fail");
  });

  it("survives Infinity and cycles in the data", () => {
    const cyclic: Record<string, unknown> = { open: Infinity };
    cyclic.self = cyclic;
    const { path } = writeReportSync(dir, { checks: [{ ...check("a", "fail", "x"), data: cyclic }] });
    expect(JSON.parse(readFileSync(path, "utf8")).checks[0].data).to.deep.equal({ open: null, self: "[circular]" });
  });

  it("is rebuilt offline from the run's files by recheck, keeping images and times of the previous report", async () => {
    const clock = new ManualClock();
    const h = new History(clock, join(dir, RUN_FILES.history));
    const shift = h.invoke("phases", F.phase, { phase: "Shift" });
    h.event("shift", F.step, { index: 0, greenWeight: 0 });
    clock.set(1000);
    h.event("shift", F.step, { index: 1, greenWeight: 50 });
    clock.set(2000);
    h.ok(shift);
    h.close();
    const lines = [];
    for (let i = 0; i < 20; i++) lines.push({ seq: i, startMs: i * 100 + 10, endMs: i * 100 + 14, probe: "echo", method: "GET", path: "/echo", cluster: i >= 10 && i % 2 ? "green" : "blue", node: "x", status: i === 3 ? 500 : 200, attempts: 1 });
    writeFileSync(join(dir, RUN_FILES.requests), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    writeExpectations(dir, EXPECTATIONS);
    writeReportSync(dir, { runId: "r-1", images: [{ role: "new", ref: "kong:2.6.0", id: "sha256:abc", standin: false }], startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:02:00.000Z" });
    const { report } = await recheck(dir, undefined, new Date("2024-01-02T00:00:00.000Z"));
    expect([report.runId, report.images[0]!.id, report.timings.durationMs, report.recheckedAt]).to.deep.equal(["r-1", "sha256:abc", 120_000, "2024-01-02T00:00:00.000Z"]);
    expect(report.checks.find((c) => c.id === "zero-failed-requests")!.message).to.equal("1 of 20 requests failed: 1 status 500 on x during Shift step 0%");
    expect(report.steps.map((s) => [s.plannedWeight, s.achievedWeight, s.requests, s.failures])).to.deep.equal([[0, 0, 10, { status: 1 }], [50, 50, 10, {}]]);
    expect(report.phases[0]).to.include({ phase: "Shift", requests: 20, durationMs: 2000 });
  });
});

describe("formatSummary", () => {
  it("prints verdict, stand-in banner, checks, tables and counts", () => {
    const report = assembleReport({
      scenario: "postgres-blue-green", versions: { old: "2.5.1", new: "2.6.0" },
      images: [{ role: "old", ref: "kong-standin:2.5.1", id: "sha256:0123456789abcdef0123", standin: true }],
      checks: [check("zero-failed-requests", "pass", "0 of 24,112 requests failed"), check("old-node-refuses-after-finish", "fail", "kong-standin:2.5.1 started")],
      steps: [{ index: 0, plannedWeight: 5, achievedWeight: 4.9, startMs: 0, appliedMs: 1, endMs: 10, requests: 2000, failures: { reset: 2 }, latencyMs: { blue: { count: 1, p50: 1, p95: 2, p99: 3.4, max: 4 }, green: null } }],
    });
    expect(formatSummary(report, { reportPath: "reports/runs/x/report.json" })).to.equal([
      "postgres-blue-green: upgrade (2.5.1 -> 2.6.0) FAIL",
      "  STAND-IN images were used: this run qualifies the harness and the model, not Kong itself",
      "  image old: kong-standin:2.5.1 (sha256:0123456789ab) [stand-in]",
      "",
      "checks:",
      "  PASS  zero-failed-requests           0 of 24,112 requests failed",
      "  FAIL  old-node-refuses-after-finish  kong-standin:2.5.1 started",
      "",
      "shift steps (green weight):",
      "  planned  achieved  requests  failures  p99 blue  p99 green",
      "  5%       4.9%      2,000     2 reset   3 ms      -",
      "",
      "verdict: FAIL (1 failed, 0 unknown, 1 passed); report: reports/runs/x/report.json",
    ].join("\n"));
  });
});
