import { expect } from "chai";
import { catalogue, subsystemsFor, STANDIN_VERSIONS } from "../catalogue/versions.ts";
import { columnsFor, ENTITY_TABLES } from "../catalogue/entities.ts";
import type { SchemaMetaRow } from "../db/types.ts";
import { applyToSchema } from "./ops.ts";
import { ddlFor } from "./registry.ts";
import { formatMigrations, schemaState } from "./state.ts";

const row = (subsystem: string, executed: string[], pending: string[] = [], lastExecuted = executed[executed.length - 1] ?? null): SchemaMetaRow =>
  ({ subsystem, executed, pending, lastExecuted });

/** Columns per table after `bootstrap` of a version: every up and every teardown. */
function bootstrapSchema(version: string): Map<string, Set<string>> {
  const cat = catalogue(version);
  const schema = new Map<string, Set<string>>();
  for (const s of subsystemsFor(cat, cat.bundledPlugins)) {
    for (const m of s.migrations) {
      const ddl = ddlFor(cat, s.name, m.name);
      applyToSchema(schema, ddl.up);
      applyToSchema(schema, ddl.teardown ?? []);
    }
  }
  return schema;
}

describe("migration catalogue and schema state", () => {
  it("bootstrap with plugins = bundled records the reference's totals", () => {
    const totals = Object.fromEntries(STANDIN_VERSIONS.map((v) => {
      const cat = catalogue(v);
      return [v, subsystemsFor(cat, cat.bundledPlugins).reduce((n, s) => n + s.migrations.length, 0)];
    }));
    expect(totals).to.deep.equal({ "1.5.1": 35, "2.0.5": 24, "2.1.4": 38, "2.2.2": 40, "2.3.3": 41, "2.4.1": 41, "2.5.1": 41, "2.6.0": 41, "2.7.2": 42, "2.8.5": 43, "3.0.1": 48 });
  });

  it("has Postgres DDL with a teardown exactly where the catalogue says there is one", () => {
    for (const v of STANDIN_VERSIONS) {
      const cat = catalogue(v);
      for (const s of subsystemsFor(cat, cat.bundledPlugins)) {
        for (const m of s.migrations) expect(ddlFor(cat, s.name, m.name).teardown !== undefined, `${v} ${s.name}/${m.name}`).to.equal(m.teardown.postgres);
      }
    }
  });

  it("creates every column each version's DAO selects (catalogue/entities.ts)", () => {
    for (const v of STANDIN_VERSIONS) {
      const schema = bootstrapSchema(v);
      for (const t of ENTITY_TABLES) {
        const missing = columnsFor(v, t).filter((c) => !schema.get(t)?.has(c));
        expect(missing, `${v} ${t}`).to.deep.equal([]);
      }
    }
  });

  it("drops plugins.run_on in 2.0's finish, so a 1.5 DAO read fails after it", () => {
    expect(bootstrapSchema("2.0.5").get("plugins")?.has("run_on")).to.equal(false);
    expect(columnsFor("1.5.1", "plugins")).to.include("run_on");
  });

  it("sorts plugin subsystems from 2.4.0 and keeps the `plugins` order before", () => {
    const names = (v: string): string[] => subsystemsFor(catalogue(v), catalogue(v).bundledPlugins).map((s) => s.name);
    expect(names("2.4.1").slice(0, 4)).to.deep.equal(["core", "acl", "acme", "basic-auth"]);
    expect(names("2.3.3").slice(0, 4)).to.deep.equal(["core", "jwt", "acl", "oauth2"]);
  });

  it("classifies with the last_executed cut and ignores unknown subsystems and names", () => {
    const cat = catalogue("2.6.0");
    const subs = subsystemsFor(cat, ["key-auth"]);
    const core = cat.core.migrations.map((m) => m.name);
    const rows = new Map([
      // 010 missing before the cut (last_executed 013), a newer name and an unknown subsystem ignored
      ["core", row("core", [...core.filter((n) => n !== "010_210_to_211"), "014_230_to_270"], [], "013_220_to_230")],
      ["custom", row("custom", ["000_base_custom"])],
      ["key-auth", row("key-auth", ["000_base_key_auth"], ["002_130_to_140"])],
    ]);
    const s = schemaState(subs, rows);
    expect(s.needsBootstrap).to.equal(false);
    expect(s.missing?.map((x) => `${x.subsystem}:${x.migrations.map((m) => m.name).join(",")}`)).to.deep.equal(["core:010_210_to_211"]);
    expect(s.pending?.map((x) => x.subsystem)).to.deep.equal(["key-auth"]);
    expect(s.newMigrations?.map((x) => `${x.subsystem}:${x.migrations.map((m) => m.name).join(",")}`)).to.deep.equal(["key-auth:003_200_to_210"]);
  });

  it("treats a name absent from executed with an unknown last_executed as NEW (1.5 on a 2.0-bootstrapped database)", () => {
    const cat = catalogue("1.5.1");
    const core20 = catalogue("2.0.5").core.migrations.map((m) => m.name);
    const s = schemaState([cat.core], new Map([["core", row("core", core20)]]));
    expect(s.newMigrations?.[0]?.migrations.map((m) => m.name)).to.deep.equal(["001_14_to_15", "002_15_to_1"]);
  });

  it("needs bootstrap without schema_meta, but not with an empty one", () => {
    const subs = [catalogue("2.6.0").core];
    expect(schemaState(subs, null).needsBootstrap).to.equal(true);
    const empty = schemaState(subs, new Map());
    expect(empty.needsBootstrap).to.equal(false);
    expect(empty.newMigrations?.[0]?.migrations.length).to.equal(12);
  });

  it("formats a block right-aligned on its longest subsystem name", () => {
    const cat = catalogue("2.6.0");
    const text = formatMigrations([
      { subsystem: "core", migrations: cat.core.migrations.slice(0, 2) },
      { subsystem: "response-ratelimiting", migrations: cat.pluginSubsystems.get("response-ratelimiting")!.migrations },
    ]);
    expect(text).to.equal("                 core: 000_base, 003_100_to_110\nresponse-ratelimiting: 000_base_response_rate_limiting");
  });
});
