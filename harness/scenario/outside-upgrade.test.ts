import { expect } from "chai";
import { EnvironmentError, InvalidConfigError, OutsideUpgradeError, unjudgedCause, HarnessError } from "../errors.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { bootstrapRefusal, causeLine, nodeStartRefusal } from "./outside-upgrade.ts";
import { standinOnlyProblems } from "./standin-only-options.ts";

const image = (ref: string, version: string) => ({ ref, id: "sha256:x", version, standin: ref.startsWith("kong-standin"), pulled: false, labels: {} });
const HINT = "run with --pg-auth md5 (Postgres: password_encryption=md5, md5 in pg_hba.conf)";

describe("failures outside the upgrade", () => {
  it("a bootstrap the datastore refused: Kong's auth error (with the way out) or an unreachable datastore; any other failure is the upgrade's", () => {
    const old = image("kong-standin:2.5.1", "2.5.1");
    const auth = bootstrapRefusal(old, { exitCode: 1, stdout: "", stderr: "Error: don't know how to auth: 10\n\n  Run with --v (verbose) or --vv (debug) for more details\n" });
    expect(auth).to.be.instanceOf(OutsideUpgradeError);
    expect(auth!.message).to.match(/^`kong migrations bootstrap` exited 1: kong-standin:2\.5\.1 cannot log in to the datastore: Kong 2\.5\.1's Postgres client \(pgmoon 1\.12\.0\) cannot use SCRAM-SHA-256/);
    expect(auth!.message.endsWith(HINT)).to.equal(true);
    const down = bootstrapRefusal(old, { exitCode: 1, stdout: "", stderr: "Error: [Cassandra error] failed to insert cluster lock: all hosts tried for query failed. 172.17.0.3: host seems unhealthy, considering it down (timeout)\n\n  Run with --v\n" });
    expect(down!.message).to.equal("`kong migrations bootstrap` exited 1: kong-standin:2.5.1 could not reach or log in to the datastore: Error: [Cassandra error] failed to insert cluster lock: all hosts tried for query failed. 172.17.0.3: host seems unhealthy, considering it down (timeout)");
    expect(bootstrapRefusal(old, { exitCode: 1, stdout: "", stderr: "Error: [postgres] ERROR: relation \"x\" already exists" })).to.equal(undefined);
  });

  it("a node that exits at start: the datastore's doing anywhere; the old image's own failure only before the upgrade", () => {
    const exited = (stderr: string): KongNodeExitedError => new KongNodeExitedError("blue-1", 1, "", stderr);
    const auth = nodeStartRefusal(image("kong-standin:2.5.1", "2.5.1"), exited("nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/pgmoon/init.lua:256: don't know how to auth: 10\nstack traceback:\n"), false);
    expect(auth!.message).to.match(/^node "blue-1" exited 1 at start: kong-standin:2\.5\.1 cannot log in to the datastore: Kong 2\.5\.1's Postgres client/);
    const broken = exited("2026/01/01 00:00:00 [warn] something\nnginx: [error] init_by_lua error: plugins_iterator.lua:388: table index is nil\nstack traceback:\n\t[C]: in function 'error'");
    expect(nodeStartRefusal(image("kong:2.0.5", "2.0.5"), broken, true)!.message).to.equal(
      "the old image kong:2.0.5 does not start on the datastore it just bootstrapped, before any upgrade step: node \"blue-1\" exited 1: nginx: [error] init_by_lua error: plugins_iterator.lua:388: table index is nil");
    expect(nodeStartRefusal(image("kong:2.0.5", "2.0.5"), broken, false), "a node failing after an upgrade step is the upgrade's finding").to.equal(undefined);
    expect(causeLine("one\ntwo\n")).to.equal("two");
  });

  it("the errors that mean the upgrade was not judged, in one line with their hint; others are the checks' to judge", () => {
    expect(unjudgedCause(new OutsideUpgradeError("datastore gone"))).to.equal("datastore gone");
    expect(unjudgedCause(new EnvironmentError('lab component "vegeta" is not ready', { hint: "run `npx kong-upgrade-harness lab` first" }))).to.equal('lab component "vegeta" is not ready (run `npx kong-upgrade-harness lab` first)');
    expect(unjudgedCause(new InvalidConfigError(["a", "b"]))).to.equal("a; b");
    expect(unjudgedCause(new HarnessError("a step of the upgrade failed"))).to.equal(undefined);
    expect(unjudgedCause(new Error("x"))).to.equal(undefined);
  });

  it("--faults on a real image is refused, naming the option and the image; on stand-ins it is not", () => {
    const real = { ref: "kong:2.6.0", standin: false };
    const standin = { ref: "kong-standin:2.5.1", standin: true };
    expect(standinOnlyProblems({ green: "proxy-5xx@rate=0.01" }, { old: standin, new: real })).to.deep.equal([
      "--faults \"green=proxy-5xx@rate=0.01\" works only on the project's stand-in images, but green runs kong:2.6.0, which is not one (real Kong ignores the stand-in's fault switches): "
      + "use kong-standin:<version> images, or a chaos scenario's real faults (node kill/stop/pause, network toxics, datastore restart)",
    ]);
    expect(standinOnlyProblems({ "blue-after-finish": "start-ignores-schema" }, { old: real, new: standin })[0]).to.match(/^--faults "blue-after-finish=start-ignores-schema" works only .* but blue-after-finish runs kong:2\.6\.0/);
    expect(standinOnlyProblems({ blue: "x", "green-1": "y" }, { old: standin, new: { ...standin, ref: "kong-standin:2.6.0" } })).to.deep.equal([]);
    expect(standinOnlyProblems({}, { old: real, new: real })).to.deep.equal([]);
  });
});
