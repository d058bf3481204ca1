import { expect } from "chai";
import type { CheckExpectations } from "./check.ts";
import { parseMigrationsList } from "./migrations-list.ts";
import { migrationsOutput } from "./migrations-output.ts";
import { F, type SchemaMetaRow } from "./records.ts";
import { compareListing, schemaMetaConsistent } from "./schema-meta-consistent.ts";
import { EXPECTATIONS, RunFixture } from "./testing.ts";

const NEW = "kong-standin:2.6.0";
const LIST_PENDING = [
  "Executed migrations:",
  "    core: 000_base, 008_150_to_200",
  "key-auth: 000_base_key_auth",
  "",
  "Pending migrations:",
  "core: 009_200_to_210",
  "",
  "New migrations available:",
  "     acl: 003_200_to_210",
  "key-auth: 003_200_to_210",
  "",
  "Run 'kong migrations finish' when ready",
].join("\n");
const ROWS: SchemaMetaRow[] = [
  { key: "schema_meta", subsystem: "core", lastExecuted: "009_200_to_210", executed: ["000_base", "008_150_to_200"], pending: ["009_200_to_210"] },
  { key: "schema_meta", subsystem: "key-auth", lastExecuted: "000_base_key_auth", executed: ["000_base_key_auth"], pending: [] },
  { key: "schema_meta", subsystem: "some-custom-plugin", lastExecuted: "000_base", executed: ["000_base"], pending: [] },
];

function migrate(fx: RunFixture, f: string, exitCode: number, stdout: string, stderr = "", image = NEW): RunFixture {
  const op = fx.history.invoke("migrations", f, { image });
  fx.history.ok(op, { exitCode, stdout, stderr, image });
  return fx;
}

const expecting = (x: Partial<CheckExpectations>): RunFixture => new RunFixture({ ...EXPECTATIONS, newImage: NEW, ...x });

describe("migrations-output", () => {
  const pair25to26: CheckExpectations["migrations"] = [
    { f: "migrations-up", exitCodes: [0], required: ["Database is already up-to-date"] },
    { f: "migrations-finish", exitCodes: [0], required: ["No pending migrations to finish"] },
    { f: "migrations-list", phase: "MigrationsFinish", exitCodes: [0], forbidden: ["Pending migrations:"] },
  ];

  function run25to26(upOut = "Database is already up-to-date", upStderr = ""): RunFixture {
    const fx = expecting({ migrations: pair25to26 });
    fx.phase("MigrationsUp");
    migrate(fx, F.migrationsUp, 0, upOut, upStderr);
    fx.phase("MigrationsFinish");
    migrate(fx, F.migrationsFinish, 0, "No pending migrations to finish");
    return migrate(fx, F.migrationsList, 0, "Executed migrations:\ncore: 000_base");
  }

  it("passes 2.5.1 -> 2.6.0 when up and finish are no-ops and list is up to date", async () => {
    const r = await migrationsOutput.check(run25to26().ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "3 migration commands exited and printed as expected"]);
  });

  // The [error] line as Kong's CLI logger prints it when one of two Cassandra contact points does
  // not resolve (kong/db/strategies/cassandra/connector.lua): the command goes on with the other.
  it("fails a missing required line, and any [error] line even with exit 0", async () => {
    const line = "2024/01/01 00:00:00 [error] [cassandra] DNS resolution failed for contact point 'cassandra-2': dns server error: 3 name error. Tried: [\"(short)cassandra-2:(na) - cache-miss\"]";
    const r = await migrationsOutput.check(run25to26("migrating core on keyspace 'kong'...", line).ctx());
    expect(r.status).to.equal("fail");
    expect(r.message).to.equal(`migrations-up (${NEW}, during MigrationsUp) printed an [error] line (exit 0): ${line}; migrations-up (${NEW}, during MigrationsUp) did not print "Database is already up-to-date"`);
  });

  it("fails an unexpected exit code with the error line, and a command that never completed", async () => {
    const fx = expecting({ migrations: [{ f: "migrations-list", phase: "MigrationsUp", exitCodes: [4] }] });
    fx.phase("MigrationsUp");
    migrate(fx, F.migrationsList, 0, "Executed migrations:\ncore: 000_base");
    migrate(fx, F.migrationsFinish, 1, "", "Error: [PostgreSQL error] timeout");
    fx.history.invoke("migrations", F.migrationsUp, { image: NEW });
    const r = await migrationsOutput.check(fx.ctx());
    expect(r.message).to.equal(`migrations-list (${NEW}, during MigrationsUp) exited 0, expected 4; migrations-finish (${NEW}, during MigrationsUp) exited 1, expected 0: Error: [PostgreSQL error] timeout; migrations-up (${NEW}, during MigrationsUp) did not complete (outcome unknown)`);
  });

  it("is unknown when an expected command never ran, and without commands", async () => {
    const fx = expecting({ migrations: pair25to26 });
    fx.phase("MigrationsUp");
    migrate(fx, F.migrationsUp, 0, "Database is already up-to-date");
    expect((await migrationsOutput.check(fx.ctx())).message).to.equal("expected migration commands never ran: migrations-finish, migrations-list during MigrationsFinish");
    expect((await migrationsOutput.check(new RunFixture().ctx())).status).to.equal("unknown");
  });
});

describe("kong migrations list parser", () => {
  it("reads the three blocks, right-aligned names, and ignores hint lines", () => {
    expect(parseMigrationsList(LIST_PENDING)).to.deep.equal({
      executed: { core: ["000_base", "008_150_to_200"], "key-auth": ["000_base_key_auth"] },
      pending: { core: ["009_200_to_210"] },
      new: { acl: ["003_200_to_210"], "key-auth": ["003_200_to_210"] },
    });
  });
});

describe("schema-meta-consistent", () => {
  it("agrees when list and schema_meta say the same, ignoring subsystems the binary does not know", () => {
    expect(compareListing(parseMigrationsList(LIST_PENDING), 4, ROWS)).to.deep.equal([]);
  });

  it("names each disagreement", () => {
    const rows = [{ ...ROWS[0]!, executed: ["000_base", "008_150_to_200", "009_200_to_210"], pending: [] }, ROWS[1]!];
    expect(compareListing(parseMigrationsList(LIST_PENDING), 0, rows)).to.deep.equal([
      "list exited 0 (up to date) but printed pending or new migrations",
      "core: 009_200_to_210 listed as pending but schema_meta has it executed",
      "core: schema_meta has 009_200_to_210 executed but list does not show it executed",
    ]);
    expect(compareListing({ executed: {}, pending: {}, new: {} }, 3, ROWS)).to.deep.equal(["list says the database needs bootstrap, but schema_meta has 3 rows"]);
  });

  it("pairs each list of the new binary with the schema_meta read next to it", async () => {
    const fx = expecting({});
    fx.phase("MigrationsUp");
    migrate(fx, F.migrationsUp, 0, "");
    fx.event("datastore", F.schemaMeta, { label: "after-up", rows: ROWS });
    migrate(fx, F.migrationsList, 4, LIST_PENDING);
    migrate(fx, F.migrationsList, 0, "Executed migrations:\ncore: 000_base", "", "kong-standin:2.5.1"); // old binary: not the truth
    const r = await schemaMetaConsistent.check(fx.ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "schema_meta agrees with `kong migrations list` at 1 point"]);
    fx.phase("MigrationsFinish");
    migrate(fx, F.migrationsFinish, 0, "");
    migrate(fx, F.migrationsList, 0, "Executed migrations:\ncore: 000_base, 008_150_to_200, 009_200_to_210");
    const r2 = await schemaMetaConsistent.check(fx.ctx());
    expect(r2.status).to.equal("pass"); // the finish separates the stale read: that list has no pair
    expect(r2.evidence).to.include("list during MigrationsFinish: no schema_meta read next to it");
    fx.event("datastore", F.schemaMeta, { label: "after-finish", rows: ROWS });
    const r3 = await schemaMetaConsistent.check(fx.ctx());
    expect([r3.status, r3.message]).to.deep.equal(["fail", "schema_meta and `kong migrations list` disagree: during MigrationsFinish: core: 009_200_to_210 listed as executed but schema_meta has it pending; during MigrationsFinish: core: schema_meta has 009_200_to_210 pending but list does not show it pending"]);
  });

  it("is unknown without a list of the new binary", async () => {
    expect((await schemaMetaConsistent.check(expecting({}).ctx())).status).to.equal("unknown");
  });
});
