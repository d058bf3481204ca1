// `run --path`, the scenario-choice flags (--downtime-budget-ms, --drift-mode) and key rotation's two
// switches (run, run --path, qualify): bad input gets a one-line error saying what to do, exit code 2,
// before anything starts (nothing on stdout: a path announces itself before its first container);
// `run --help` documents the flags.
import { expect } from "chai";
import { runCli, type CliResult } from "../support/cli.ts";

const oneLine = (stderr: string): string => {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).to.have.length(1);
  return lines[0]!;
};
const PATH = ["run", "--path", "--from", "2.5.1", "--to", "3.0.1", "--image-template", "kong-standin:{version}", "--releases", "2.8.5"];

describe("CLI: run --path and scenario-choice flags, bad input", function () {
  this.timeout(120_000);

  // Every case's CLI starts at once in `before` (they start no container): the file stays cheap.
  const calls = new Map<string, { args: readonly string[]; result?: Promise<CliResult> }>();
  const cli = (args: readonly string[]): (() => Promise<CliResult>) => {
    const key = JSON.stringify(args);
    calls.set(key, { args });
    return () => calls.get(key)!.result!;
  };
  before(() => { for (const c of calls.values()) c.result = runCli(c.args); });

  const refused = (args: readonly string[], line: string): Mocha.AsyncFunc => {
    const result = cli(args);
    return async () => {
      const r = await result();
      expect(r.code, r.stderr).to.equal(2);
      expect(oneLine(r.stderr)).to.equal(line);
      expect(r.stdout).to.equal("");
    };
  };

  for (const bad of ["abc", "0"]) {
    it(`--downtime-budget-ms ${bad}`, refused(["run", "scenarios/cassandra-in-place.ts", `--downtime-budget-ms=${bad}`],
      `error: --downtime-budget-ms must be a positive whole number of milliseconds, e.g. 30000, but is "${bad}"`));
  }

  it("--drift-mode other than freeze or record", refused(["run", "scenarios/cassandra-new-keyspace.ts", "--drift-mode", "drift"],
    'error: --drift-mode must be freeze or record, but is "drift"'));

  it("the same checks for `run --path`", refused([...PATH, "--drift-mode", "later"], 'error: --drift-mode must be freeze or record, but is "later"'));

  const rotation = "error: --revoke-credentials and --no-revoke-credentials contradict each other: give one (key rotation is on by default)";
  it("key rotation both on and off", refused(["run", "scenarios/postgres-blue-green.ts", "--revoke-credentials", "--no-revoke-credentials"], rotation));
  it("key rotation both on and off for `run --path`", refused([...PATH, "--no-revoke-credentials", "--revoke-credentials"], rotation));
  it("key rotation both on and off for `qualify`", refused(["qualify", "--target", "2.6.0", "--from", "2.5.1", "--standin", "--revoke-credentials", "--no-revoke-credentials"], rotation));

  it("`run --path` without --to", refused(["run", "--path", "--from", "2.5.1"], "error: `run --path` needs --from and --to (e.g. run --path --from 2.5.1 --to 3.0.1)"));

  it("`run --path` with --old", refused([...PATH, "--old", "kong:2.5.1"], "error: `run --path` takes --from and --to, not --old and --new"));

  it("`run --path` from a fresh install", refused(["run", "--path", "--from", "fresh", "--to", "2.6.0"],
    "error: `run --path` upgrades between versions; a fresh install is one scenario (run scenarios/fresh-install.ts --new IMAGE)"));

  it("`run --path` refuses what `plan` refuses", refused(["run", "--path", "--from", "2.6.0", "--to", "2.5.1"],
    "error: downgrade from 2.6.0 to 2.5.1 is not supported: Kong's migrations only go forward (restore a backup taken on 2.6.0 instead)"));

  it("`run --path` with no release for a series stop", refused(PATH.slice(0, -2),
    'error: no release for "2.8.x" (at least 2.8.2): give it with --releases (see `kong-upgrade-harness plan --from X --to Y`)'));

  const badOptions = cli([...PATH, "--rate", "0", "--steps", "0,50"]);
  it("`run --path` with bad run options, every problem at once", async () => {
    const r = await badOptions();
    expect(r.code).to.equal(2);
    expect(oneLine(r.stderr)).to.equal("error: rate must be a whole number from 1 to 5000, but is 0; steps must be increasing whole percentages ending at 100, but are 0,50 (run `kong-upgrade-harness help`)");
    expect(r.stdout).to.equal("");
  });

  const help = cli(["run", "--help"]);
  it("`run --help` documents the scenario-choice flags and key rotation, exit 0", async () => {
    const r = await help();
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("[--downtime-budget-ms MS] [--drift-mode freeze|record]");
    expect(r.stdout).to.contain("--downtime-budget-ms: Cassandra in place, the longest accepted downtime window");
    expect(r.stdout).to.contain("freeze (default: refused until the cut-over) or record (let through, re-applied");
    expect(r.stdout).to.contain("run --path --from X --to Y");
    expect(r.stdout).to.contain("--no-revoke-credentials: the Admin workload does not rotate keys. By default it");
  });
});
