// Options only the project's stand-in understands are refused on real Kong images, before anything
// starts: `--faults` sets stand-in switches that real Kong ignores, so the run would be a clean run
// that looks like a fault run. The images named here are not on this machine (nothing is pulled
// or started): an image that is not here cannot be one of the lab's stand-ins.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "../support/cli.ts";

const containers = (): string[] => execFileSync("docker", ["ps", "-aq", "--filter", "label=org.testcontainers=true"]).toString().split("\n").filter(Boolean);
const refusal = (key: string, switches: string, image: string): string =>
  `--faults "${key}=${switches}" works only on the project's stand-in images, but ${key} runs ${image}, which is not one (real Kong ignores the stand-in's fault switches): `
  + "use kong-standin:<version> images, or a chaos scenario's real faults (node kill/stop/pause, network toxics, datastore restart)";

describe("CLI: stand-in-only options on real Kong images", function () {
  this.timeout(120_000);

  it("`run` with --faults and a real new image: exit 2, one line naming the option and the image, nothing started", async () => {
    const before = containers();
    const dir = mkdtempSync(join(tmpdir(), "kuh-real-faults-"));
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--old", "kong:2.5.1", "--new", "kong:2.6.0", "--faults", "green=proxy-5xx@rate=0.01", "--report-dir", dir]);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.deep.equal([`error: ${refusal("green", "proxy-5xx@rate=0.01", "kong:2.6.0")}`]);
    expect(containers().filter((c) => !before.includes(c)), "containers started").to.deep.equal([]);
    // Refused before the scenario loads: it printed nothing, pulled nothing and wrote no report.
    expect(r.stdout).to.equal("");
    expect(existsSync(join(dir, "report.json")), "report.json of a run that never started").to.equal(false);
  });

  it("`run` with --faults on a node of the old cluster names the old image; the entry aimed at a stand-in is not refused", async () => {
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--old", "kong:2.5.1", "--new", "kong-standin:2.6.0", "--faults", "blue-1=admin-slow@ms=100;green=proxy-5xx@rate=0.01"]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.deep.equal([`error: ${refusal("blue-1", "admin-slow@ms=100", "kong:2.5.1")}`]);
  });

  it("`run --path` with --faults and real images: exit 2 before the path's datastore starts", async () => {
    const before = containers();
    const dir = mkdtempSync(join(tmpdir(), "kuh-real-faults-path-"));
    const r = await runCli(["run", "--path", "--from", "2.5.1", "--to", "2.6.0", "--image-template", "kong:{version}", "--faults", "green=proxy-5xx@rate=0.01", "--report-dir", dir]);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.deep.equal([`error: ${refusal("green", "proxy-5xx@rate=0.01", "kong:2.6.0")}`]);
    expect(containers().filter((c) => !before.includes(c))).to.deep.equal([]);
    expect(r.stdout).to.equal("");
    expect(existsSync(join(dir, "report.json")), "report.json of a path that never started").to.equal(false);
  });
});
