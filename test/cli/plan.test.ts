// `plan` through the real CLI: a valid plan on stdout with exit 0, and a refused jump with exit 2
// and exactly one line on stderr.
import { expect } from "chai";
import { runCli } from "../support/cli.ts";

describe("CLI: plan", function () {
  this.timeout(60_000);

  it("prints the seed's path with the procedure of each hop, exit 0", async () => {
    const r = await runCli(["plan", "--from", "0.14.1", "--to", "2.6.0", "--datastore", "cassandra"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal("");
    const lines = r.stdout.split("\n");
    expect(lines[0]).to.equal("Upgrade plan: Kong 0.14.1 -> 2.6.0 on cassandra (2 hops)");
    expect(lines).to.include("1. 0.14.1 -> 1.5.x: cassandra-in-place  [scenarios/cassandra-in-place.ts]");
    expect(lines).to.include("   extra step: kong migrations migrate-apis (1.5.x) for legacy `apis`: converts them into Routes and Services (`-f` also converts apis that use custom plugins)");
    expect(lines).to.include("2. 1.5.x -> 2.6.0: cassandra-new-keyspace  [scenarios/cassandra-new-keyspace.ts]");
    expect(r.stdout).to.contain("why: Cassandra schemas of 2.1.x and lower are incompatible with 2.6.x");
  });

  it("Cassandra from 2.1.x: the seed's procedure, and the code-level break stated beside it with its pointer", async () => {
    const r = await runCli(["plan", "--from", "2.1.4", "--to", "2.6.0", "--datastore", "cassandra"]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split("\n");
    expect(lines).to.include("1. 2.1.4 -> 2.6.0: cassandra-new-keyspace  [scenarios/cassandra-new-keyspace.ts]");
    expect(r.stdout).to.contain("why: Cassandra schemas of 2.1.x and lower are incompatible with 2.6.x");
    expect(lines).to.include("   note: Kong's code puts the Cassandra schema break at 2.0 -> 2.1 (from 2.1 the Cassandra strategy stores unique values with a workspace prefix; 2.1.x and 2.2.x and later share that format), not at 2.1 -> 2.2: see standin/README.md, \"The 2.0 ↔ 2.1+ Cassandra break\"; from 2.1.x this hop does not cross it: the plan keeps the seed's documented procedure, though by the code an in-place `up`/`finish` would let old and new nodes share the keyspace");
  });

  it("`--json` prints the plan as data", async () => {
    const r = await runCli(["plan", "--from", "2.5.1", "--to", "2.6.0", "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const plan = JSON.parse(r.stdout) as { hops: { procedure: string }[]; refusals: unknown[] };
    expect(plan.hops.map((h) => h.procedure)).to.deep.equal(["postgres-blue-green"]);
    expect(plan.refusals).to.deep.equal([]);
  });

  it("refuses a Cassandra target of 3.4 with Kong's reason: exit 2, one line, nothing on stdout", async () => {
    const r = await runCli(["plan", "--from", "2.8.5", "--to", "3.4.0", "--datastore", "cassandra"]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.equal("error: Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres.\n");
  });

  it("refuses a downgrade: exit 2, one line", async () => {
    const r = await runCli(["plan", "--from", "2.6.0", "--to", "2.5.1"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal("error: downgrade from 2.6.0 to 2.5.1 is not supported: Kong's migrations only go forward (restore a backup taken on 2.6.0 instead)\n");
  });

  it("a missing --to: exit 2, one line with a hint", async () => {
    const r = await runCli(["plan", "--from", "2.5.1"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal("error: `plan` needs --to (e.g. `kong-upgrade-harness plan --from 2.1.4 --to 2.6.0 --datastore cassandra`)\n");
  });
});
