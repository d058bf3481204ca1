// Bad input gets a one-line error that says what to do, exit code 2, no hang, no containers left.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "../support/cli.ts";

const containers = (): string[] => execFileSync("docker", ["ps", "-aq", "--filter", "label=org.testcontainers=true"]).toString().split("\n").filter(Boolean);
const oneLine = (stderr: string): string => {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).to.have.length(1);
  return lines[0]!;
};

describe("CLI: bad input", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "kuh-bad-"));

  it("an unknown command", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).to.equal(2);
    expect(oneLine(r.stderr)).to.equal('error: unknown command "frobnicate" (run `kong-upgrade-harness help`)');
  });

  it("a scenario file that does not exist", async () => {
    const r = await runCli(["run", "scenarios/nope.ts"]);
    expect(r.code).to.equal(2);
    expect(oneLine(r.stderr)).to.equal('error: scenario file "scenarios/nope.ts" does not exist (run `kong-upgrade-harness list` to see the scenarios)');
  });

  it("a malformed scenario file", async () => {
    const file = join(dir, "broken.ts");
    writeFileSync(file, "describe('x', () => { it('y', () => { const = 1; }); });\n");
    const r = await runCli(["run", file]);
    expect(r.code).to.equal(2);
    expect(oneLine(r.stderr)).to.match(/^error: scenario ".*broken\.ts" could not be loaded: .+ \(fix the scenario file \(it is a mocha spec in TypeScript\)\)$/);
  });

  it("invalid options, every problem at once", async () => {
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--rate", "0", "--steps", "50,10"]);
    expect(r.code).to.equal(2);
    expect(oneLine(r.stderr)).to.equal("error: rate must be a whole number from 1 to 5000, but is 0; steps must be increasing whole percentages ending at 100, but are 50,10 (run `kong-upgrade-harness help`)");
  });

  it("an image that is neither present nor pullable, with no containers left behind", async () => {
    const before = containers();
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts", "--old", "kong:9.9.9", "--new", "kong:9.9.10", "--report-dir", join(dir, "unknown-image")]);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(oneLine(r.stderr)).to.equal('error: image "kong:9.9.9" is not present and could not be pulled; image "kong:9.9.10" is not present and could not be pulled (this machine cannot pull it; run against the project\'s stand-in images instead, e.g. --old kong-standin:1.5.1 --new kong-standin:2.6.0 (see README, "Kong stand-in images"))');
    expect(r.stdout, "refused before the scenario starts").to.equal("");
    expect(containers().filter((c) => !before.includes(c))).to.deep.equal([]);
  });

  it("a Docker engine that does not answer", async () => {
    const r = await runCli(["run", "scenarios/postgres-blue-green.ts"], { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    expect(r.code).to.equal(2);
    expect(oneLine(r.stderr)).to.equal("error: no Docker engine answers `docker info` (run `npx kong-upgrade-harness lab` to install and start one)");
  });

  it("`lab --check` against an engine that does not answer reports it and exits 1 without changing anything", async () => {
    const r = await runCli(["lab", "--check"], { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain("Docker engine: MISSING");
  });
});
