// The seed's upgrade rules (kong-upgrade-to-2.6.md, "Suggested upgrade path" and "Upgrade from
// 1.0.x - 2.5.x"), generalized to other targets from the reference, and every refusal, verbatim.
import { expect } from "chai";
import { planUpgrade } from "./plan-upgrade.ts";
import { CASSANDRA_CODE_BREAK } from "./procedures.ts";
import type { Hop, Plan } from "./types.ts";

const path = (p: Plan): string[] => p.hops.map((h) => `${h.from} -> ${h.to}: ${h.procedure}`);
const only = (p: Plan): Hop => {
  expect(p.refusals, JSON.stringify(p.refusals)).to.deep.equal([]);
  expect(p.hops).to.have.length(1);
  return p.hops[0]!;
};
const refusals = (from: string, to: string, datastore?: string): string[] => {
  const p = planUpgrade({ from, to, datastore });
  expect(p.hops, "a refused plan has no hops").to.deep.equal([]);
  return p.refusals.map((r) => `${r.code}: ${r.message}`);
};
const MIGRATE_APIS = "kong migrations migrate-apis (1.5.x) for legacy `apis`: converts them into Routes and Services (`-f` also converts apis that use custom plugins)";
const INCOMPATIBLE = "Cassandra schemas of 2.1.x and lower are incompatible with 2.6.x";

describe("planUpgrade: the seed's version prerequisites for 2.6.x", () => {
  it("below 0.14.1: to 0.14.1 first, then 1.5.x with migrate-apis, then 2.6.x", () => {
    const p = planUpgrade({ from: "0.13.1", to: "2.6.0" });
    expect(path(p)).to.deep.equal([
      "0.13.1 -> 0.14.1: postgres-blue-green", "0.14.1 -> 1.5.x: postgres-blue-green", "1.5.x -> 2.6.0: postgres-blue-green",
    ]);
    expect(p.hops.map((h) => h.extraSteps)).to.deep.equal([[], [MIGRATE_APIS], []]);
  });

  it("the hop to 0.14.1 is Kong 0.x's single `migrations up`, which the harness does not run", () => {
    const [first, second] = planUpgrade({ from: "0.12.0", to: "2.6.0" }).hops;
    expect(first!.runnable).to.equal(false);
    expect(first!.reason).to.match(/^Kong 0\.x has no `kong migrations finish`/);
    expect(second!.runnable).to.equal(true);
  });

  it("from 0.14.1: 1.5.x first (with migrate-apis), then 2.6.x", () => {
    const p = planUpgrade({ from: "0.14.1", to: "2.6.0" });
    expect(path(p)).to.deep.equal(["0.14.1 -> 1.5.x: postgres-blue-green", "1.5.x -> 2.6.0: postgres-blue-green"]);
    expect(p.hops[0]!.extraSteps).to.deep.equal([MIGRATE_APIS]);
    expect(p.hops[0]!.reason).to.match(/^Kong 1\.0's migrations framework supports a no-downtime Blue\/Green migration from 0\.14\.x/);
  });

  for (const from of ["1.0.0", "1.5.1", "2.0.5", "2.1.4", "2.2.2", "2.5.1", "2.5.x"]) {
    it(`from ${from}: straight to 2.6.x, blue/green on Postgres`, () => {
      const hop = only(planUpgrade({ from, to: "2.6.0", datastore: "postgres" }));
      expect(hop).to.include({ from, to: "2.6.0", procedure: "postgres-blue-green", expectsDowntime: false, runnable: true });
      expect(hop.extraSteps).to.deep.equal([]);
      expect(hop.alternatives).to.deep.equal([]);
    });
  }

  it("Postgres is the default datastore", () => {
    const p = planUpgrade({ from: "2.5.1", to: "2.6.0" });
    expect(p.datastore).to.equal("postgres");
    expect(only(p).procedure).to.equal("postgres-blue-green");
  });

  it("2.5.x -> 2.6.x says that there are no migrations", () => {
    expect(only(planUpgrade({ from: "2.5.1", to: "2.6.0" })).notes).to.include(
      "2.5.x -> 2.6.x has no migrations: `kong migrations up` prints `Database is already up-to-date` and `finish` prints `No pending migrations to finish`");
  });

  it("1.x -> 2.x warns that finish drops plugins.run_on", () => {
    expect(only(planUpgrade({ from: "1.5.1", to: "2.6.0" })).notes).to.include("`kong migrations finish` drops `plugins.run_on`: 1.x nodes cannot start against the datastore afterwards");
  });
});

describe("planUpgrade: Cassandra", () => {
  for (const from of ["2.1.4", "2.0.5", "1.5.1", "2.1.x"]) {
    it(`from ${from} to 2.6.x: a new keyspace by default, in place with downtime as the alternative`, () => {
      const hop = only(planUpgrade({ from, to: "2.6.0", datastore: "cassandra" }));
      expect(hop).to.include({ procedure: "cassandra-new-keyspace", expectsDowntime: false });
      expect(hop.reason.startsWith(`${INCOMPATIBLE}: a new keyspace keeps the old cluster fully operational`), hop.reason).to.equal(true);
      expect(hop.alternatives).to.have.length(1);
      expect(hop.alternatives[0]).to.include({ procedure: "cassandra-in-place", expectsDowntime: true });
      expect(hop.alternatives[0]!.reason).to.equal(`${INCOMPATIBLE}: \`kong migrations up\` / \`kong migrations finish\` on the shared keyspace need a small window of downtime, since the old and new versions cannot use the database at the same time`);
    });
  }

  for (const from of ["2.2.0", "2.2.x", "2.5.1"]) {
    it(`from ${from} to 2.6.x: in place, no downtime, no alternative`, () => {
      const hop = only(planUpgrade({ from, to: "2.6.0", datastore: "cassandra" }));
      expect(hop).to.include({ procedure: "cassandra-in-place", expectsDowntime: false });
      expect(hop.reason).to.match(/^Cassandra schemas of 2\.2\.x and later are compatible with 2\.6\.x/);
      expect(hop.alternatives).to.deep.equal([]);
    });
  }

  it("from 2.1.x or lower to 2.7 and later: the same incompatibility, plus the deprecation note", () => {
    const hop = only(planUpgrade({ from: "2.1.4", to: "2.8.5", datastore: "cassandra" }));
    expect(hop.procedure).to.equal("cassandra-new-keyspace");
    expect(hop.reason).to.match(/^Cassandra schemas of 2\.1\.x and lower are incompatible with 2\.8\.x/);
    expect(hop.notes).to.include("Kong deprecates Cassandra from 2.7 (`Support for Cassandra is deprecated.`) and rejects it from 3.4: plan a move to Postgres");
  });

  describe("the code-level break (2.0 -> 2.1) stated beside the seed's rule", () => {
    const codeNotes = (from: string, to: string, datastore = "cassandra"): string[] =>
      only(planUpgrade({ from, to, datastore })).notes.filter((n) => n.startsWith(CASSANDRA_CODE_BREAK)).map((n) => n.slice(CASSANDRA_CODE_BREAK.length));
    it("the pointer names the stand-in README section that reads Kong's code", () => {
      expect(CASSANDRA_CODE_BREAK).to.equal("Kong's code puts the Cassandra schema break at 2.0 -> 2.1 (from 2.1 the Cassandra strategy stores unique values with a workspace prefix; 2.1.x and 2.2.x and later share that format), not at 2.1 -> 2.2: see standin/README.md, \"The 2.0 ↔ 2.1+ Cassandra break\"");
    });
    for (const from of ["2.1.4", "2.1.x"]) {
      it(`from ${from} to 2.6.x: the seed's new keyspace is kept, and the note says the code would allow in place`, () => {
        expect(only(planUpgrade({ from, to: "2.6.0", datastore: "cassandra" })).procedure).to.equal("cassandra-new-keyspace");
        expect(codeNotes(from, "2.6.0")).to.deep.equal(["; from 2.1.x this hop does not cross it: the plan keeps the seed's documented procedure, though by the code an in-place `up`/`finish` would let old and new nodes share the keyspace"]);
      });
    }
    for (const from of ["2.0.5", "1.5.1"]) {
      it(`from ${from} to 2.6.x: the hop crosses the code's break too, so code and seed agree`, () => {
        expect(codeNotes(from, "2.6.0")).to.deep.equal(["; this hop crosses it, so the code agrees with the seed's procedure"]);
      });
    }
    it("2.0.x -> 2.1.x: in place as the seed says, with the code's downtime warning", () => {
      expect(only(planUpgrade({ from: "2.0.5", to: "2.1.4", datastore: "cassandra" })).procedure).to.equal("cassandra-in-place");
      expect(codeNotes("2.0.5", "2.1.4")).to.deep.equal(["; this hop crosses it although the seed documents no incompatibility here: old and new nodes cannot share the keyspace between `up` and `finish`, so expect a downtime window in place (or use a new keyspace)"]);
    });
    it("no note from 2.2 on, and none on Postgres", () => {
      expect(codeNotes("2.2.2", "2.6.0")).to.deep.equal([]);
      expect(codeNotes("2.0.5", "2.6.0", "postgres")).to.deep.equal([]);
    });
  });

  it("to 2.1.x from lower: in place (no incompatibility is documented for that pair)", () => {
    const hop = only(planUpgrade({ from: "2.0.5", to: "2.1.4", datastore: "cassandra" }));
    expect(hop).to.include({ procedure: "cassandra-in-place", expectsDowntime: false });
    expect(hop.reason).to.match(/^no Cassandra schema incompatibility is documented for 2\.0\.x -> 2\.1\.x/);
  });

  it("below 0.14.1 to 2.6.x on Cassandra: the new keyspace is the last hop, from 1.5.x", () => {
    expect(path(planUpgrade({ from: "0.13.0", to: "2.6.0", datastore: "cassandra" }))).to.deep.equal([
      "0.13.0 -> 0.14.1: cassandra-in-place", "0.14.1 -> 1.5.x: cassandra-in-place", "1.5.x -> 2.6.0: cassandra-new-keyspace",
    ]);
  });

  it("Cassandra up to 3.3 is planned; 3.4 and later are refused with Kong's reason", () => {
    expect(path(planUpgrade({ from: "2.8.5", to: "3.3.0", datastore: "cassandra" }))).to.deep.equal(["2.8.5 -> 3.3.0: cassandra-in-place"]);
    for (const to of ["3.4.0", "3.4.x", "3.9.1"]) {
      expect(refusals("2.8.5", to, "cassandra")).to.deep.equal(["cassandra-unsupported: Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres."]);
    }
    expect(only(planUpgrade({ from: "2.8.5", to: "3.4.0", datastore: "postgres" })).procedure).to.equal("postgres-blue-green");
  });
});
