// `--config FILE` and `--load FILE` refused as input: a malformed file, a field the old version does
// not know, a plugin the stand-in does not model and a load profile that is not one are refused
// before anything starts (exit 2, one line naming the file and the entity, no report folder, no
// container); an entity the old version's Admin API refuses is found only once the old cluster runs,
// and is refused with Kong's own words, the file and the entity (exit 2, containers removed).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "../support/cli.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";

const containers = (): string[] => execFileSync("docker", ["ps", "-aq", "--filter", "label=org.testcontainers=true"]).toString().split("\n").filter(Boolean);
const RUN = ["run", "scenarios/postgres-blue-green.ts", "--old", "kong-standin:2.5.1", "--new", "kong-standin:2.6.0"];
const SERVICE = `_format_version: "1.1"\nservices:\n- name: shop\n  url: http://shop.internal:8080\n  routes:\n`;

describe("CLI: your configuration and load profile as input", function () {
  this.timeout(240_000);
  const root = mkdtempSync(join(tmpdir(), "kuh-config-input-"));
  const file = (name: string, text: string): string => { const f = join(root, name); writeFileSync(f, text); return f; };
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Exit 2, one line on stderr matching every pattern, no report folder, no container left. */
  async function refused(args: readonly string[], patterns: readonly RegExp[], opts: { startsNothing: boolean }): Promise<void> {
    const before = containers();
    const reportDir = join(root, `report-${Math.random().toString(36).slice(2)}`);
    const r = await runCli([...args, "--report-dir", reportDir], {}, 200_000);
    expect(r.code, r.stdout.slice(-2000) + r.stderr).to.equal(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).to.have.length(1);
    for (const p of patterns) expect(lines[0]).to.match(p);
    if (opts.startsNothing) {
      expect(existsSync(reportDir), "a report folder was created").to.equal(false);
      expect(r.stdout).to.equal("");
    }
    // The run removed its own containers; the reaper removes itself a few seconds after the process.
    let left = containers().filter((c) => !before.includes(c));
    for (let i = 0; i < 30 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      left = containers().filter((c) => !before.includes(c));
    }
    expect(left, "containers left").to.deep.equal([]);
  }

  it("a file that is not YAML: the file and the line", () => refused([...RUN, "--config", file("broken.yaml", `${SERVICE}  - name: a\n    paths: [/a\n`)],
    [/^error: .*broken\.yaml/, /line \d+/], { startsNothing: true }));

  it("a file that does not exist: what to give instead", () => refused([...RUN, "--config", join(root, "nope.yaml")],
    [/^error: --config ".*nope\.yaml" does not exist/, /declarative configuration/], { startsNothing: true }));

  it("a field the old version does not know: the file, the entity, the field and the version", () => refused(
    [...RUN, "--config", file("unknown-field.yaml", `${SERVICE}  - name: list\n    paths: [/list]\n    pathz: [/x]\n`)],
    [/unknown-field\.yaml/, /services\[0\]\.routes\[0\]/, /pathz/, /2\.5\.1/], { startsNothing: true }));

  it("a plugin the stand-in does not model: the plugins, and real images as the way out", () => refused(
    [...RUN, "--config", file("unmodelled.yaml", `${SERVICE}  - name: list\n    paths: [/list]\n    plugins:\n    - name: aws-lambda\n      config: { aws_region: us-east-1, function_name: f }\n`)],
    [/kong-standin:2\.5\.1 does not model/, /aws-lambda/, /real Kong images/], { startsNothing: true }));

  it("a load profile that is not one: the file and what a profile is", () => refused(
    [...RUN, "--load", file("not-a-profile.ts", "export default 42;\n")],
    [/not-a-profile\.ts" has no profile as its default export/, /defineProfile/], { startsNothing: true }));

  it("a load profile, kept anywhere, whose entry picks none of the run's probes: the entry and the probe count", () => refused(
    [...RUN, "--load", file("no-match.ts", `import { constant, defineProfile } from "${join(PROJECT_ROOT, "harness/load/profile.ts")}";\n`
      + "export default defineProfile({ name: \"typo\", description: \"a route name mistyped\", mix: [{ route: \"catalog-prodcts\" }], rate: constant(10) });\n")],
    [/^error: --load .*no-match\.ts: load profile "typo": mix entry 1 .*catalog-prodcts.* matches none of the run's 11 probes/], { startsNothing: true }));

  it("an entity the old version refuses: Kong's message, the file and the entity; containers removed", () => refused(
    // A consumer needs a username or a custom_id: Kong's schema refuses one with neither.
    [...RUN, "--config", file("refused.yaml", `${SERVICE}  - name: list\n    paths: [/list]\nconsumers:\n- username: ann\n- tags: [nameless]\n`)],
    [/refused\.yaml/, /consumers\[1\]/, /refused it: 400/, /custom_id/], { startsNothing: false }));
});
