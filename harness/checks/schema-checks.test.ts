import { expect } from "chai";
import { F } from "./records.ts";
import { schemaOnlyAdds } from "./schema-only-adds.ts";
import { destructiveChanges, diffSnapshots, reportedChanges, type Snapshot } from "./schema-snapshot.ts";
import { RunFixture } from "./testing.ts";

const col = (type: string, nullable = true, dflt: string | null = null) => ({ type, nullable, default: dflt });
const BEFORE: Snapshot = {
  tables: {
    plugins: { columns: { id: col("uuid", false), name: col("text"), run_on: col("text") }, constraints: [{ name: "plugins_pkey", type: "p", definition: "PRIMARY KEY (id)" }], indexes: [] },
    routes: { columns: { id: col("uuid", false), paths: col("text[]") }, constraints: [], indexes: [{ name: "routes_paths_idx", definition: "CREATE INDEX routes_paths_idx ON routes (paths)" }] },
    old_apis: { columns: { id: col("uuid", false) }, constraints: [], indexes: [] },
  },
  rowCounts: { plugins: 3, routes: 5, old_apis: 0 },
};
const ADDED: Snapshot = {
  tables: {
    ...BEFORE.tables,
    plugins: { ...BEFORE.tables.plugins!, columns: { ...BEFORE.tables.plugins!.columns, ws_id: col("uuid") }, constraints: [...BEFORE.tables.plugins!.constraints, { name: "plugins_ws_fkey", type: "f", definition: "FOREIGN KEY (ws_id) REFERENCES workspaces(id)" }] },
    workspaces: { columns: { id: col("uuid", false) }, constraints: [], indexes: [] },
  },
  rowCounts: { ...BEFORE.rowCounts, workspaces: 1 },
};
const BROKEN: Snapshot = {
  tables: {
    plugins: { ...BEFORE.tables.plugins!, columns: { id: col("uuid", false), name: col("text") } },
    routes: { columns: { id: col("uuid", false), paths: col("text") }, constraints: [], indexes: [] },
    apis: { columns: { id: col("uuid", false) }, constraints: [], indexes: [] },
  },
  rowCounts: { plugins: 3, routes: 5, apis: 0 },
};

function snapshots(...labelled: [string, Snapshot, string?][]): RunFixture {
  const fx = new RunFixture();
  fx.phase("MigrationsUp");
  for (const [label, snapshot, command] of labelled) {
    if (command) fx.event("migrations", command, { exitCode: 0, stdout: "", stderr: "", image: "new" });
    fx.event("datastore", F.schemaSnapshot, { label, snapshot });
  }
  return fx;
}

describe("schema snapshot diff", () => {
  it("separates additions from destructive changes, with renames detected", () => {
    const d = diffSnapshots(BEFORE, BROKEN);
    expect(destructiveChanges(d)).to.deep.equal([
      "renamed table old_apis to apis",
      "dropped column plugins.run_on (text)",
      "retyped column routes.paths from text[] to text",
    ]);
    expect(reportedChanges(d)).to.deep.equal(["dropped index routes.routes_paths_idx", "rows in apis: none -> 0", "rows in old_apis: 0 -> none"]);
    expect(destructiveChanges(diffSnapshots(BEFORE, ADDED))).to.deep.equal([]);
    expect(reportedChanges(diffSnapshots(BEFORE, ADDED))).to.deep.equal([
      "added table workspaces", "added column plugins.ws_id (uuid)", "added constraint plugins.plugins_ws_fkey: FOREIGN KEY (ws_id) REFERENCES workspaces(id)", "rows in workspaces: none -> 1",
    ]);
  });
});

describe("schema-only-adds", () => {
  it("passes when up only added, and reports what finish dropped without failing", async () => {
    const r = await schemaOnlyAdds.check(snapshots(["before-up", BEFORE], ["after-up", ADDED, F.migrationsUp], ["after-finish", BROKEN, F.migrationsFinish]).ctx());
    expect([r.status, r.message]).to.deep.equal(["pass", "`up` only added (4 reported changes across 1 snapshot pair)"]);
    expect(r.evidence).to.include("after-up -> after-finish (migrations-finish), reported only:");
    expect(r.evidence).to.include("  dropped column plugins.run_on (text)");
  });

  it("fails when up dropped, renamed or retyped, naming the snapshots, the image and the phase of `up`", async () => {
    const r = await schemaOnlyAdds.check(snapshots(["before-up", BEFORE], ["after-up", BROKEN, F.migrationsUp]).ctx());
    expect([r.status, r.message]).to.deep.equal(["fail", "`up` must only add, but between before-up and after-up `kong migrations up` with new (during MigrationsUp) renamed table old_apis to apis, dropped column plugins.run_on (text), retyped column routes.paths from text[] to text"]);
  });

  it("is unknown without a snapshot pair around up", async () => {
    const r = await schemaOnlyAdds.check(snapshots(["before-up", BEFORE]).ctx());
    expect([r.status, r.message]).to.deep.equal(["unknown", "no pair of schema snapshots around `migrations up` in history.jsonl"]);
  });
});
