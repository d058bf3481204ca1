// Bad input is refused before anything starts: an image that is neither present nor pullable, a
// --seed that nothing would draw from, images named twice for `qualify`: one line on stderr, exit
// 2, nothing on stdout, no report folder and no container. `<command> --help` answers for every
// command. None of these starts a container, so every CLI starts at once in `before`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { runCli, type CliResult } from "../support/cli.ts";

const containers = (): string[] => execFileSync("docker", ["ps", "-aq", "--filter", "label=org.testcontainers=true"]).toString().split("\n").filter(Boolean);
const oneLine = (stderr: string): string => {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).to.have.length(1);
  return lines[0]!;
};
const CANNOT_PULL = "this machine cannot pull it; run against the project's stand-in images instead, e.g. --old kong-standin:1.5.1 --new kong-standin:2.6.0 (see README, \"Kong stand-in images\")";
const BUILD_STANDINS = "the lab builds the stand-in images: run `npx kong-upgrade-harness lab` (versions: standin/README.md)";
const SEED_UNUSED = "error: --seed is for scenarios that draw at random (the chaos scenarios' fault schedules, e.g. scenarios/chaos-during-shift.ts); this one draws nothing at random: leave --seed out";

describe("CLI: bad input refused before anything starts", function () {
  this.timeout(120_000);
  const root = mkdtempSync(join(tmpdir(), "kuh-refused-"));
  const dir = (name: string): string => join(root, name);
  after(() => rmSync(root, { recursive: true, force: true }));

  const calls = new Map<string, { args: readonly string[]; result?: Promise<CliResult> }>();
  const cli = (args: readonly string[]): (() => Promise<CliResult>) => {
    const key = JSON.stringify(args);
    calls.set(key, { args });
    return () => calls.get(key)!.result!;
  };
  let existing: string[] = [];
  before(() => {
    existing = containers();
    for (const c of calls.values()) c.result = runCli(c.args);
  });

  /** Exit 2, exactly `line` on stderr, nothing on stdout, and `folder` (the run's report folder) never created. */
  const refused = (args: readonly string[], line: string, folder?: string): Mocha.AsyncFunc => {
    const result = cli(args);
    return async () => {
      const r = await result();
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      if (folder) expect(existsSync(folder), `${folder} was created`).to.equal(false);
      expect(oneLine(r.stderr)).to.equal(line);
      expect(r.stdout).to.equal("");
    };
  };

  it("`run` with an image neither present nor pullable: no scenario, no report folder", refused(
    ["run", "scenarios/postgres-blue-green.ts", "--old", "nope:1.0", "--new", "kong-standin:2.6.0", "--report-dir", dir("run-nope")],
    `error: image "nope:1.0" is not present and could not be pulled (${CANNOT_PULL})`, dir("run-nope")));

  it("`run` with a stand-in image the lab did not build: the lab is the way out", refused(
    ["run", "scenarios/postgres-blue-green.ts", "--old", "kong-standin:1.5.1", "--new", "kong-standin:9.9.9", "--report-dir", dir("run-standin")],
    `error: image "kong-standin:9.9.9" is not present and could not be pulled (${BUILD_STANDINS})`, dir("run-standin")));

  // A scenario file as users copy one, its default old image one no registry has.
  const ownScenario = join(root, "own-scenario.ts");
  writeFileSync(ownScenario, `import { runOptions, UpgradeScenario } from ${JSON.stringify(join(PROJECT_ROOT, "harness/scenario/index.ts"))};
const options = runOptions({ oldImage: "kuh-absent/kong:0.0.1", newImage: "kong-standin:2.6.0" });
describe("own scenario", function () {
  const run = new UpgradeScenario("own-scenario", options);
  after(() => run.tearDown());
  it("sets up", () => run.setUp());
});
`);
  it("`run` whose scenario file's own default image is neither present nor pullable: checked as the file loads", refused(
    ["run", ownScenario, "--report-dir", dir("run-defaults")],
    `error: image "kuh-absent/kong:0.0.1" is not present and could not be pulled (${CANNOT_PULL})`, dir("run-defaults")));

  it("`run` of the fresh install with --old, which it would ignore", refused(
    ["run", "scenarios/fresh-install.ts", "--old", "kong-standin:2.5.1", "--new", "kong-standin:2.6.0", "--report-dir", dir("fresh-old")],
    "error: this scenario runs one image, the new one: give it with --new and leave --old out", dir("fresh-old")));

  it("`demo` with an image neither present nor pullable", refused(["demo", "--old", "nope:1.0", "--report-dir", dir("demo-nope")],
    `error: image "nope:1.0" is not present and could not be pulled (${CANNOT_PULL})`, dir("demo-nope")));

  it("`run --path` whose hops name images neither present nor pullable: every one at once", refused(
    ["run", "--path", "--from", "2.5.1", "--to", "2.6.0", "--image-template", "nope:{version}", "--report-dir", dir("path-nope")],
    `error: image "nope:2.5.1" is not present and could not be pulled; image "nope:2.6.0" is not present and could not be pulled (${CANNOT_PULL})`, dir("path-nope")));

  it("`qualify` whose pairs name images neither present nor pullable: no qualification folder", refused(
    ["qualify", "--target", "2.6.0", "--from", "2.5.1", "--image-template", "nope:{version}", "--out", dir("qualify-nope")],
    `error: image "nope:2.5.1" is not present and could not be pulled; image "nope:2.6.0" is not present and could not be pulled (${CANNOT_PULL})`, dir("qualify-nope")));

  it("`qualify --standin --image-template`: one would silently win, so both are refused", refused(
    ["qualify", "--target", "2.6.0", "--from", "2.5.1", "--standin", "--image-template", "kong:{version}", "--out", dir("qualify-both")],
    'error: --standin and --image-template both name the images: give one (--standin is --image-template "kong-standin:{version}")', dir("qualify-both")));

  it("`run --seed` on a scenario that draws nothing at random", refused(
    ["run", "scenarios/postgres-blue-green.ts", "--old", "kong-standin:1.5.1", "--new", "kong-standin:2.6.0", "--seed", "7", "--report-dir", dir("seed-run")],
    SEED_UNUSED, dir("seed-run")));

  it("`demo --seed`: the demo draws nothing at random", refused(["demo", "--seed", "7", "--report-dir", dir("seed-demo")], SEED_UNUSED, dir("seed-demo")));

  it("`run --path --seed`: no hop draws anything at random", refused(
    ["run", "--path", "--from", "2.5.1", "--to", "2.6.0", "--image-template", "kong-standin:{version}", "--seed", "7", "--report-dir", dir("seed-path")],
    "error: `run --path` draws nothing at random: leave --seed out (it is for the chaos scenarios' fault schedules)", dir("seed-path")));

  it("a seed the PRNG cannot take", refused(["run", "scenarios/chaos-during-shift.ts", "--seed=-1"],
    "error: the seed must be a whole number from 0 to 4294967295, but is -1 (run `kong-upgrade-harness help`)"));

  it("`list` with an argument it would ignore", refused(["list", "scenarios/chaos-during-shift.ts"],
    'error: `list` takes no arguments, but was given "scenarios/chaos-during-shift.ts" (run `kong-upgrade-harness list`)'));

  it("left no container behind", async () => {
    await Promise.all([...calls.values()].map((c) => c.result));
    expect(containers().filter((c) => !existing.includes(c))).to.deep.equal([]);
  });
});

describe("CLI: `<command> --help` for every command", function () {
  this.timeout(120_000);
  // The first line of each command's own usage, as `help` lists it.
  const FIRST_LINES: Record<string, string> = {
    lab: "  lab [--check]    bring up the Docker engine",
    run: "  run <scenario> [--old IMAGE] [--new IMAGE]",
    list: "  list             the scenarios, with one-line descriptions",
    plan: "  plan --from X --to Y [--datastore postgres|cassandra] [--json]",
    check: "  check <run-dir>",
    report: "  report <run-dir> [--no-step-summary]",
    compare: "  compare <baseline-dir> <run-dir>",
    qualify: "  qualify --target V --from A,B,...",
    demo: "  demo [run flags] run scenarios/postgres-blue-green.ts",
    help: "  help             show this help",
  };
  const results = new Map<string, Promise<CliResult>>();
  before(() => { for (const c of Object.keys(FIRST_LINES)) results.set(c, runCli([c, "--help"])); });

  for (const [command, line] of Object.entries(FIRST_LINES)) {
    it(`${command} --help: its usage on stdout, exit 0`, async () => {
      const r = await results.get(command)!;
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal("");
      expect(r.stdout.split("\n")[0]).to.equal(`Usage: kong-upgrade-harness ${command} ...`);
      expect(r.stdout).to.contain(line);
    });
  }

  const full = (() => { let r: Promise<CliResult> | undefined; return () => (r ??= runCli(["help"])); })();
  it("every command of `help` has its own --help", async () => {
    const r = await full();
    const commands = [...r.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
    expect([...new Set(commands)].sort()).to.deep.equal(Object.keys(FIRST_LINES).sort());
  });
});
