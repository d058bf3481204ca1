// Targets other than 2.6.x (generalized from the reference and Kong's UPGRADE.md), fresh installs,
// and every refusal with its exact message.
import { expect } from "chai";
import { planUpgrade } from "./plan-upgrade.ts";
import type { Plan } from "./types.ts";

const path = (p: Plan): string[] => p.hops.map((h) => `${h.from} -> ${h.to}${h.toAtLeast ? ` (>= ${h.toAtLeast})` : ""}: ${h.procedure}`);
const refusals = (from: string, to: string, datastore?: string): string[] => {
  const p = planUpgrade({ from, to, datastore });
  expect(p.hops, "a refused plan has no hops").to.deep.equal([]);
  return p.refusals.map((r) => `${r.code}: ${r.message}`);
};
const THREE_ZERO = "Kong's 3.0 UPGRADE.md recommends upgrading to 2.8.x first and migrating a cloned database (dual cluster) before shifting traffic; a shared-database blue/green needs 2.8.2 or later, because 3.0's `kong migrations up` rewrites regex route paths with a `~` prefix that only 2.8.2+ routers understand";

describe("planUpgrade: other targets", () => {
  it("minor upgrades within 2.x are one blue/green hop", () => {
    expect(path(planUpgrade({ from: "2.6.0", to: "2.8.5" }))).to.deep.equal(["2.6.0 -> 2.8.5: postgres-blue-green"]);
    expect(path(planUpgrade({ from: "2.6.0", to: "2.6.1" }))).to.deep.equal(["2.6.0 -> 2.6.1: postgres-blue-green"]);
  });

  it("2.8.2 and later to 3.0: one hop, with 3.0's recommendation", () => {
    const p = planUpgrade({ from: "2.8.5", to: "3.0.1" });
    expect(path(p)).to.deep.equal(["2.8.5 -> 3.0.1: postgres-blue-green"]);
    expect(p.hops[0]!.notes).to.deep.equal([THREE_ZERO]);
  });

  it("below 2.8.2 to 3.x: 2.8.x (2.8.2 or later) first", () => {
    expect(path(planUpgrade({ from: "2.8.1", to: "3.0.1" }))).to.deep.equal(["2.8.1 -> 2.8.x (>= 2.8.2): postgres-blue-green", "2.8.x -> 3.0.1: postgres-blue-green"]);
    expect(path(planUpgrade({ from: "2.5.1", to: "3.4.0" }))).to.deep.equal(["2.5.1 -> 2.8.x (>= 2.8.2): postgres-blue-green", "2.8.x -> 3.4.0: postgres-blue-green"]);
  });

  it("2.8.x (patch unknown) to 3.x: one hop, with a warning for 2.8.0 and 2.8.1", () => {
    expect(planUpgrade({ from: "2.8.x", to: "3.0.1" }).hops[0]!.notes).to.deep.equal([THREE_ZERO, "on 2.8.0 or 2.8.1, upgrade to 2.8.2 or later first"]);
  });

  it("below 0.14.1 to 3.x: every stop in order", () => {
    expect(path(planUpgrade({ from: "0.10.3", to: "3.0.1" }))).to.deep.equal([
      "0.10.3 -> 0.14.1: postgres-blue-green", "0.14.1 -> 1.5.x: postgres-blue-green",
      "1.5.x -> 2.8.x (>= 2.8.2): postgres-blue-green", "2.8.x -> 3.0.1: postgres-blue-green",
    ]);
  });

  it("within 3.x: one blue/green hop", () => {
    expect(path(planUpgrade({ from: "3.0.1", to: "3.9.1" }))).to.deep.equal(["3.0.1 -> 3.9.1: postgres-blue-green"]);
  });

  it("0.14.1 to 1.0-1.4: no 1.5.x stop; legacy apis must be replaced first", () => {
    const p = planUpgrade({ from: "0.14.1", to: "1.3.0" });
    expect(path(p)).to.deep.equal(["0.14.1 -> 1.3.0: postgres-blue-green"]);
    expect(p.hops[0]!.extraSteps).to.deep.equal(["replace legacy `apis` entities with Routes and Services and delete them first: Kong 1.0 to 1.4 refuse to run migrations while any exist"]);
  });

  it("0.14.1 to 1.5.x itself: migrate-apis, no further stop", () => {
    const p = planUpgrade({ from: "0.14.1", to: "1.5.1" });
    expect(path(p)).to.deep.equal(["0.14.1 -> 1.5.1: postgres-blue-green"]);
    expect(p.hops[0]!.extraSteps[0]).to.match(/^kong migrations migrate-apis \(1\.5\.x\)/);
  });
});

describe("planUpgrade: fresh installs", () => {
  it("`fresh` plans one fresh-install hop", () => {
    const p = planUpgrade({ from: "fresh", to: "2.6.0", datastore: "cassandra" });
    expect(path(p)).to.deep.equal(["fresh -> 2.6.0: fresh-install"]);
    expect(p.hops[0]!.reason).to.equal("a fresh datastore: `kong migrations bootstrap`, then start the nodes");
  });
  it("a fresh Cassandra install of 3.4 or later is refused too", () => {
    expect(refusals("fresh", "3.5.0", "cassandra")).to.deep.equal(["cassandra-unsupported: Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres."]);
  });
});

describe("planUpgrade: refusals, verbatim", () => {
  it("a downgrade", () => {
    expect(refusals("2.6.0", "2.5.1")).to.deep.equal(["downgrade: downgrade from 2.6.0 to 2.5.1 is not supported: Kong's migrations only go forward (restore a backup taken on 2.6.0 instead)"]);
    expect(refusals("3.0.1", "2.8.5")).to.have.length(1);
  });
  it("the same version, or the same series", () => {
    expect(refusals("2.6.0", "2.6.0")).to.deep.equal(["same-version: nothing to upgrade: 2.6.0 and 2.6.0 are the same release"]);
    expect(refusals("2.6.x", "2.6.1")).to.deep.equal(["same-version: nothing to upgrade: 2.6.x and 2.6.1 are the same release"]);
  });
  it("unknown version formats", () => {
    for (const bad of ["latest", "2.6", "v2.6.0", "2.6.0-alpine", "kong:2.6.0", ""]) {
      expect(refusals(bad, "2.6.0")).to.deep.equal([`bad-version: from: "${bad}" is not a Kong version (expected MAJOR.MINOR.PATCH or MAJOR.MINOR.x, e.g. 2.5.1 or 2.5.x, or fresh)`]);
    }
    expect(refusals("2.5.1", "next")).to.deep.equal(['bad-version: to: "next" is not a Kong version (expected MAJOR.MINOR.PATCH or MAJOR.MINOR.x, e.g. 2.5.1 or 2.5.x)']);
  });
  it("releases that never existed", () => {
    expect(refusals("2.5.1", "2.9.0")).to.deep.equal(["unknown-release: to: Kong 2.9 was never released (2.x ends at 2.8)"]);
    expect(refusals("1.6.0", "2.6.0")).to.deep.equal(["unknown-release: from: Kong 1.6 was never released (1.x ends at 1.5)"]);
    expect(refusals("3.9.1", "4.0.0")).to.deep.equal(["unknown-release: to: Kong 4.0 is not a release this plan knows (it knows 0.x, 1.x, 2.x, 3.x, up to 3.9)"]);
  });
  it("an unknown datastore", () => {
    expect(refusals("2.5.1", "2.6.0", "mysql")).to.deep.equal(['bad-datastore: datastore: "mysql" is not a Kong datastore (expected postgres or cassandra)']);
  });
  it("every problem at once", () => {
    expect(refusals("abc", "2.9.0", "mysql").map((r) => r.split(":")[0])).to.deep.equal(["bad-datastore", "bad-version", "unknown-release"]);
  });
});
