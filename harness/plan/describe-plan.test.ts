import { expect } from "chai";
import { InvalidConfigError } from "../errors.ts";
import { describePlan } from "./describe-plan.ts";
import { planUpgrade } from "./plan-upgrade.ts";
import { releaseFor, scenarioFor } from "./scenario-for.ts";

describe("describePlan", () => {
  it("prints each hop with its procedure, scenario, reason, extra steps, alternatives and notes", () => {
    const text = describePlan(planUpgrade({ from: "0.14.1", to: "2.6.0", datastore: "cassandra" }));
    const lines = text.split("\n");
    expect(lines[0]).to.equal("Upgrade plan: Kong 0.14.1 -> 2.6.0 on cassandra (2 hops)");
    expect(lines[2]).to.equal("1. 0.14.1 -> 1.5.x: cassandra-in-place  [scenarios/cassandra-in-place.ts]");
    expect(lines).to.include("   extra step: kong migrations migrate-apis (1.5.x) for legacy `apis`: converts them into Routes and Services (`-f` also converts apis that use custom plugins)");
    expect(lines).to.include("2. 1.5.x -> 2.6.0: cassandra-new-keyspace  [scenarios/cassandra-new-keyspace.ts]");
    expect(lines).to.include("   alternative: cassandra-in-place (downtime window)  [scenarios/cassandra-in-place.ts]");
    expect(text).to.contain("Cassandra schemas of 2.1.x and lower are incompatible with 2.6.x");
  });
  it("marks stops with a minimum and hops the harness cannot run", () => {
    const text = describePlan(planUpgrade({ from: "0.13.0", to: "3.0.1" }));
    expect(text).to.contain("1. 0.13.0 -> 0.14.1: postgres-blue-green  [not run by the harness]");
    expect(text).to.contain("3. 1.5.x -> 2.8.x (2.8.2 or later): postgres-blue-green  [scenarios/postgres-blue-green.ts]");
  });
  it("a fresh install and a refusal", () => {
    expect(describePlan(planUpgrade({ from: "fresh", to: "2.6.0" })).split("\n")[0]).to.equal("Upgrade plan: Kong 2.6.0 on a fresh postgres datastore (1 hop)");
    expect(describePlan(planUpgrade({ from: "2.6.0", to: "2.5.1" }))).to.equal(
      "Cannot plan Kong 2.6.0 -> 2.5.1 on postgres:\n  - downgrade from 2.6.0 to 2.5.1 is not supported: Kong's migrations only go forward (restore a backup taken on 2.6.0 instead)");
  });
});

describe("scenarioFor", () => {
  it("maps each procedure to its scenario file", () => {
    const hop = (from: string, to: string, datastore: string) => planUpgrade({ from, to, datastore }).hops[0]!;
    expect(scenarioFor(hop("2.5.1", "2.6.0", "postgres"))).to.equal("scenarios/postgres-blue-green.ts");
    expect(scenarioFor(hop("2.5.1", "2.6.0", "cassandra"))).to.equal("scenarios/cassandra-in-place.ts");
    expect(scenarioFor(hop("2.1.4", "2.6.0", "cassandra"))).to.equal("scenarios/cassandra-new-keyspace.ts");
    expect(scenarioFor(hop("fresh", "2.6.0", "postgres"))).to.equal("scenarios/fresh-install.ts");
  });
  it("refuses a hop the harness cannot run", () => {
    const legacy = planUpgrade({ from: "0.13.0", to: "2.6.0" }).hops[0]!;
    expect(() => scenarioFor(legacy)).to.throw(InvalidConfigError, /^the harness cannot run the hop 0\.13\.0 -> 0\.14\.1: Kong 0\.x has no/);
  });
});

describe("releaseFor", () => {
  const available = ["1.5.1", "2.5.1", "2.6.0", "2.8.0", "2.8.5", "3.0.1"];
  it("picks the highest release of a series at or above the minimum", () => {
    expect(releaseFor("1.5.x", available)).to.equal("1.5.1");
    expect(releaseFor("2.8.x", available, "2.8.2")).to.equal("2.8.5");
    expect(releaseFor("2.8.x", ["2.8.0", "2.8.1"], "2.8.2")).to.equal(undefined);
  });
  it("a release is used as given, when available", () => {
    expect(releaseFor("2.6.0", available)).to.equal("2.6.0");
    expect(releaseFor("2.6.1", available)).to.equal(undefined);
  });
});
