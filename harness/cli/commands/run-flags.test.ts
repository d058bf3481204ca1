// The scenario-choice flags as the scenarios receive them: `--drift-mode record` is the new-keyspace
// scenario's "drift", `--downtime-budget-ms` a number of ms; both override the scenario file's choice.
import { resolve } from "node:path";
import { expect } from "chai";
import { InvalidConfigError } from "../../errors.ts";
import { RUN_DEFAULTS, validateRunOptions } from "../../scenario/run-options.ts";
import { pairRunArgs } from "./qualify.ts";
import { pathFromFlags } from "./run-path.ts";
import { parseRunFlags } from "./run.ts";

describe("run flags: --downtime-budget-ms and --drift-mode", () => {
  it("map to the scenarios' options", () => {
    expect(parseRunFlags({ "downtime-budget-ms": "30000", "drift-mode": "record" })).to.include({ downtimeBudgetMs: 30_000, adminWritesAfterExport: "drift" });
    expect(parseRunFlags({ "drift-mode": "freeze" })).to.include({ downtimeBudgetMs: undefined, adminWritesAfterExport: "freeze" });
    expect(parseRunFlags({})).to.include({ downtimeBudgetMs: undefined, adminWritesAfterExport: undefined });
  });

  it("refuse bad values with a one-line reason", () => {
    expect(() => parseRunFlags({ "downtime-budget-ms": "1e4" })).to.throw(InvalidConfigError, '--downtime-budget-ms must be a positive whole number of milliseconds, e.g. 30000, but is "1e4"');
    expect(() => parseRunFlags({ "drift-mode": "Freeze" })).to.throw(InvalidConfigError, '--drift-mode must be freeze or record, but is "Freeze"');
  });

  it("are validated with the other run options when set in code", () => {
    const o = { ...RUN_DEFAULTS, oldImage: "a", newImage: "b" };
    expect(validateRunOptions({ ...o, downtimeBudgetMs: 30_000, adminWritesAfterExport: "drift" })).to.deep.equal([]);
    expect(validateRunOptions({ ...o, downtimeBudgetMs: 0 })).to.deep.equal(["the downtime budget must be a positive whole number of ms, but is 0"]);
  });
});

describe("run flags: key rotation, on by default", () => {
  const contradiction = "--revoke-credentials and --no-revoke-credentials contradict each other: give one (key rotation is on by default)";

  it("is on unless --no-revoke-credentials; a flag given either way overrides a scenario file's choice", () => {
    expect(RUN_DEFAULTS.revokeCredentials).to.equal(true);
    expect(parseRunFlags({}).revokeCredentials).to.equal(undefined);
    expect(parseRunFlags({ "no-revoke-credentials": true }).revokeCredentials).to.equal(false);
    expect(parseRunFlags({ "revoke-credentials": true }).revokeCredentials).to.equal(true);
    expect(() => parseRunFlags({ "revoke-credentials": true, "no-revoke-credentials": true })).to.throw(InvalidConfigError, contradiction);
  });

  it("`run --path` gives the choice to every hop (the run options each hop's scenario is built from)", () => {
    const path = ["--path", "--from", "2.5.1", "--to", "3.0.1", "--image-template", "kong-standin:{version}", "--releases", "2.8.5"];
    expect(pathFromFlags(path).run.revokeCredentials).to.equal(true);
    expect(pathFromFlags([...path, "--no-revoke-credentials"]).run.revokeCredentials).to.equal(false);
    expect(() => pathFromFlags([...path, "--revoke-credentials", "--no-revoke-credentials"])).to.throw(InvalidConfigError, contradiction);
  });

  it("`qualify` passes the choice on to every pair's run, with the other run flags", () => {
    expect(pairRunArgs({ rate: "100", "hold-ms": "1000" })).to.deep.equal(["--rate", "100", "--hold-ms", "1000"]);
    expect(pairRunArgs({ rate: "100", "no-revoke-credentials": true })).to.deep.equal(["--rate", "100", "--no-revoke-credentials"]);
    expect(pairRunArgs({ readiness: "baseline" })).to.deep.equal(["--readiness", "baseline"]);
    expect(pairRunArgs({ "revoke-credentials": true })).to.deep.equal(["--revoke-credentials"]);
    expect(() => pairRunArgs({ "revoke-credentials": true, "no-revoke-credentials": true })).to.throw(InvalidConfigError, contradiction);
  });
});

describe("run flags: --readiness", () => {
  it("is status by default (traffic once GET /status says ready), baseline on request, and refuses anything else", () => {
    expect(RUN_DEFAULTS.readiness).to.equal("status");
    expect(parseRunFlags({ readiness: "baseline" })).to.include({ readiness: "baseline" });
    expect(parseRunFlags({})).to.include({ readiness: undefined });
    expect(() => parseRunFlags({ readiness: "ready" })).to.throw(InvalidConfigError, '--readiness must be status or baseline, but is "ready"');
    expect(validateRunOptions({ ...RUN_DEFAULTS, oldImage: "a", newImage: "b", readiness: "probe" as never })).to.deep.equal(["readiness must be status or baseline, but is probe"]);
  });
});

describe("run flags: your configuration (--config, --load, --patch-user-entities)", () => {
  it("takes a configuration file that is there, refuses one that is not, and passes all three on to every pair of a qualification", () => {
    const file = resolve("examples/storefront/kong.yaml");
    expect(parseRunFlags({ config: "examples/storefront/kong.yaml", "patch-user-entities": true })).to.include({ config: file, patchUserEntities: true });
    expect(parseRunFlags({})).to.include({ config: undefined, patchUserEntities: undefined });
    expect(() => parseRunFlags({ config: "nope.yaml" })).to.throw(InvalidConfigError, '--config "nope.yaml" does not exist');
    // Absolute: each pair's run is a child process in the project's folder.
    expect(pairRunArgs({ config: "examples/storefront/kong.yaml", load: "load/storefront.ts", "patch-user-entities": true }))
      .to.deep.equal(["--config", file, "--load", resolve("load/storefront.ts"), "--patch-user-entities"]);
  });
});
