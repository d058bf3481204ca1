import { expect } from "chai";
import { catalogue, subsystemsFor, STANDIN_VERSIONS } from "../catalogue/versions.ts";
import { entityFor, ENTITY_TABLES } from "../catalogue/entities.ts";
import { cassandraColumns } from "../db/cassandra/codec.ts";
import { splitCql } from "../db/cassandra/migrations.ts";
import { cqlFor } from "./cql-registry.ts";

/** Splits on commas outside <> and (). */
function topLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = "";
  for (const ch of s) {
    if (ch === "<" || ch === "(") depth++;
    if (ch === ">" || ch === ")") depth--;
    if (ch === "," && depth === 0) { out.push(cur.trim()); cur = ""; } else cur += ch;
  }
  return [...out, cur.trim()].filter(Boolean);
}

/** Columns per table after running every up and teardown of a version's bootstrap (CQL only). */
function bootstrapColumns(version: string): Map<string, Set<string>> {
  const cat = catalogue(version);
  const tables = new Map<string, Set<string>>();
  for (const s of subsystemsFor(cat, cat.bundledPlugins)) {
    for (const m of s.migrations) {
      const cql = cqlFor(cat, s.name, m.name);
      for (const stmt of splitCql(`${cql.up};${cql.teardown ?? ""}`)) {
        const create = /^CREATE TABLE IF NOT EXISTS (\w+)\s*\(([\s\S]*)\)(\s*WITH [\s\S]*)?$/i.exec(stmt);
        const add = /^ALTER TABLE (\w+) ADD (\w+) /i.exec(stmt);
        const drop = /^DROP TABLE IF EXISTS (\w+)/i.exec(stmt);
        if (create && !tables.has(create[1]!)) {
          tables.set(create[1]!, new Set(topLevel(create[2]!).filter((c) => !/^PRIMARY KEY/i.test(c)).map((c) => c.split(/\s+/)[0]!)));
        } else if (add) tables.get(add[1]!)?.add(add[2]!);
        else if (drop) tables.delete(drop[1]!);
      }
    }
  }
  return tables;
}

describe("Cassandra migration text (CQL)", () => {
  it("exists for every migration, with a teardown exactly where the catalogue's Cassandra flag says", () => {
    for (const v of STANDIN_VERSIONS) {
      const cat = catalogue(v);
      for (const s of subsystemsFor(cat, cat.bundledPlugins)) {
        for (const m of s.migrations) expect(cqlFor(cat, s.name, m.name).teardown !== undefined, `${v} ${s.name}/${m.name}`).to.equal(m.teardown.cassandra);
      }
    }
  });

  it("creates every column each version's DAO selects", () => {
    for (const v of STANDIN_VERSIONS) {
      const cols = bootstrapColumns(v);
      for (const t of ENTITY_TABLES) {
        const missing = cassandraColumns(entityFor(v, t).fields).map((fd) => fd.column).filter((c) => !cols.get(t)?.has(c));
        expect(missing, `${v} ${t}`).to.deep.equal([]);
      }
    }
  });

  it("keeps plugins.run_on on Cassandra (Kong's 008 teardown does not drop it), unlike Postgres", () => {
    expect(bootstrapColumns("2.6.0").get("plugins")?.has("run_on")).to.equal(true);
    expect(bootstrapColumns("2.6.0").has("cluster_ca")).to.equal(false);
  });

  it("has per-version teardown flags: 013_220_to_230 from 2.7.0, key-auth 003_200_to_210 from 2.1.0", () => {
    const flag = (v: string, sub: string, name: string): boolean | undefined =>
      subsystemsFor(catalogue(v), catalogue(v).bundledPlugins).find((s) => s.name === sub)?.migrations.find((m) => m.name === name)?.teardown.cassandra;
    expect([flag("2.6.0", "core", "013_220_to_230"), flag("2.7.2", "core", "013_220_to_230")]).to.deep.equal([false, true]);
    expect([flag("2.1.4", "key-auth", "003_200_to_210"), flag("2.6.0", "key-auth", "003_200_to_210")]).to.deep.equal([true, true]);
  });

  it("splits on `;` and drops empty and comment-only statements", () => {
    expect(splitCql("ALTER TABLE a ADD b int;\n  ;\n-- only a comment\n;@fn x;")).to.deep.equal(["ALTER TABLE a ADD b int", "@fn x"]);
  });
});
