// Offline re-check of a whole run directory at realistic size (50k requests, a full blue/green
// history), from the files alone: the path `kong-upgrade-harness check <run-dir>` takes.
import { expect } from "chai";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { F, History, RUN_FILES, writeExpectations, type RequestLine } from "../../harness/checks/index.ts";
import { EXPECTATIONS, ManualClock } from "../../harness/checks/testing.ts";
import { formatSummary, recheck, type Report } from "../../harness/report/index.ts";

const NEW = "kong-standin:2.6.0";
const WEIGHTS = [0, 5, 10, 25, 50, 75, 100];
const STEP_MS = 34_000;
const RATE = 200; // per second, over 7 steps of 34 s + 15 s around them: ~50k requests in all

async function writeRun(dir: string): Promise<number> {
  const clock = new ManualClock();
  const h = new History(clock, join(dir, RUN_FILES.history));
  const phase = (name: string) => h.invoke("phases", F.phase, { phase: name });
  const migrate = (f: string, exitCode: number, stdout: string) => h.ok(h.invoke("migrations", f, { image: NEW }), { exitCode, stdout, stderr: "", image: NEW });
  let p = phase("MigrationsUp");
  migrate(F.migrationsUp, 0, "Database is already up-to-date");
  h.ok(p);
  p = phase("Shift");
  let writes = 0;
  WEIGHTS.forEach((w, i) => {
    clock.set(10_000 + i * STEP_MS);
    h.ok(h.invoke("shift", F.step, { index: i, greenWeight: w }));
    clock.set(10_000 + i * STEP_MS + 1000);
    const id = `w-${++writes}`;
    h.ok(h.invoke("admin-writer", F.adminWrite, { writeId: id, cluster: "blue", entity: `services/s-${id}`, action: "create" }, { node: "blue-1" }));
    clock.set(10_000 + i * STEP_MS + 4000);
    for (const node of ["blue-1", "blue-2", "green-1", "green-2"]) h.event("verifier", F.observe, { writeId: id, cluster: node.slice(0, -2), entity: "", seen: "present", matches: true }, { node });
  });
  clock.set(10_000 + WEIGHTS.length * STEP_MS);
  h.ok(p);
  p = phase("MigrationsFinish");
  migrate(F.migrationsFinish, 0, "No pending migrations to finish");
  h.ok(p);
  h.close();

  const out = createWriteStream(join(dir, RUN_FILES.requests));
  const end = 10_000 + WEIGHTS.length * STEP_MS + 5000;
  let seq = 0;
  let greenCredit = 0;
  for (let t = 0; t < end; t += 1000 / RATE) {
    const step = Math.floor((t - 10_000) / STEP_MS);
    const weight = step >= 0 && step < WEIGHTS.length ? WEIGHTS[step]! : t < 10_000 ? 0 : 100;
    greenCredit += weight;
    const green = greenCredit >= 100;
    if (green) greenCredit -= 100;
    const r: RequestLine = { seq: seq++, startMs: t, endMs: t + 3, probe: "echo", method: "GET", path: "/echo", cluster: green ? "green" : "blue", node: green ? "green-1" : "blue-1", status: seq === 30_001 ? 502 : 200, attempts: 1, source: "load", clientStatus: seq === 30_001 ? 502 : 200 };
    if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  writeExpectations(dir, { ...EXPECTATIONS, shiftPlan: WEIGHTS, newImage: NEW, migrations: [{ f: "migrations-up", exitCodes: [0], required: ["Database is already up-to-date"] }] });
  return seq;
}

describe("checks: offline re-check of a large run directory", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), "kuh-recheck-")); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("re-runs every check from the files of a 50k-request run and writes report.json", async () => {
    const total = await writeRun(dir);
    const { report, path } = await recheck(dir);
    expect(total).to.be.greaterThan(49_000);
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).to.deep.equal({
      "zero-failed-requests": "fail", "traffic-split": "pass", "load-reconciliation": "unknown", "admin-writes-propagated": "pass",
      // No new node's Admin access log was read after finish: what reached the new nodes is not known.
      "no-new-admin-writes-before-finish": "unknown", "migrations-output": "pass", "schema-only-adds": "unknown", "schema-meta-consistent": "unknown",
      "state-after-finish": "unknown", "old-node-refuses-after-finish": "unknown",
      // The fixture has no rate-limited probe, node-ready ops or invalid writes: nothing to judge.
      "shared-rate-limit": "unknown", "new-nodes-ready": "unknown", "invalid-writes-refused": "unknown",
      // ... no 401 baseline, no cold node, credential probes, entity reads or pre-up load either.
      "security-parity": "unknown", "cold-old-node-parity": "unknown", "credentials-survive-upgrade": "unknown",
      "old-data-after-finish": "unknown", "old-latency-during-up": "unknown",
      // Its requests carry no load-balancer weight: no second in which both clusters served can be told.
      "latency-parity": "unknown",
      // Nor any parity sample: old and new were never asked the same requests at the same moment.
      "response-parity": "unknown",
      // ... and no readiness op: no node's `/status` was watched.
      "readiness-honest": "unknown",
      // Its `finish` ran with no probe of the old nodes' ports before it: the gate was never passed.
      "finish-waits-for-old-nodes": "fail",
    });
    expect(report.checks[0]!.message).to.equal(`1 of ${total.toLocaleString("en-US")} requests failed: 1 status 502 on blue-1 during Shift step 50%`);
    expect(report.steps.map((s) => s.plannedWeight)).to.deep.equal(WEIGHTS);
    expect((JSON.parse(readFileSync(path, "utf8")) as Report).verdict).to.equal("fail");
    expect(formatSummary(report)).to.contain("verdict: FAIL (2 failed, 17 unknown, 3 passed)");
  });
});
