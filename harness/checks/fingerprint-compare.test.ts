// The state comparisons name what differs: table, row, column, unique value, subsystem, migration.
import { expect } from "chai";
import { compareFingerprints, compareSchemaMeta } from "./fingerprint-compare.ts";
import type { DataFingerprint, SchemaMetaRow } from "./records.ts";

const fp = (keys: string[], detail: Record<string, Record<string, string>>, configHash = "h"): DataFingerprint =>
  ({ strategy: "postgres", tables: { keyauth_credentials: { rows: keys.length, configHash, uniqueKeys: { key: keys, id: Object.keys(detail) }, detail } } });
const row = (subsystem: string, executed: string[], pending: string[] = [], lastExecuted = executed.at(-1) ?? null): SchemaMetaRow =>
  ({ key: "schema_meta", subsystem, executed, pending, lastExecuted });

describe("fingerprint and schema_meta comparisons", () => {
  it("equal states have no differences", () => {
    const a = fp(["k1"], { r1: { key: "a" } });
    expect(compareFingerprints(a, a)).to.deep.equal([]);
    expect(compareSchemaMeta([row("core", ["000_base"])], [row("core", ["000_base"])])).to.deep.equal([]);
  });

  it("a rewritten key: the unique values and the row's column are named", () => {
    expect(compareFingerprints(fp(["alice-key"], { r1: { key: "a", ws_id: "w" } }), fp(["5f0e"], { r1: { key: "b", ws_id: "w" } }, "other"))).to.deep.equal([
      'keyauth_credentials.key: missing ["alice-key"], unexpected ["5f0e"]',
      "keyauth_credentials: row r1 differs in key",
    ]);
  });

  it("rows missing, added and duplicated; columns dropped or added", () => {
    const expected = fp(["a", "b"], { r1: { key: "a", ttl: "x" }, r2: { key: "b" } });
    const actual = fp(["a", "a", "c"], { r1: { key: "a", ws_id: "w" }, r3: { key: "c" } }, "other");
    expect(compareFingerprints(expected, actual)).to.deep.equal([
      "keyauth_credentials: 3 rows after the re-run, 2 after the clean run",
      'keyauth_credentials.id: missing ["r2"], unexpected ["r3"]',
      'keyauth_credentials.key: missing ["b"], unexpected ["a", "c"]',
      'keyauth_credentials.key: duplicate values ["a"]',
      "keyauth_credentials: row r1 differs in ttl (dropped), ws_id (added)",
      "keyauth_credentials: row r2 is missing",
      "keyauth_credentials: row r3 is unexpected",
    ]);
  });

  it("schema_meta: a migration recorded twice, one missing, pending left over, last_executed", () => {
    expect(compareSchemaMeta(
      [row("core", ["000_base", "014_230_to_270"]), row("acl", ["000_base_acl"])],
      [row("core", ["000_base", "000_base"], ["009_200_to_210"], "000_base")],
    )).to.deep.equal([
      "schema_meta acl: row missing",
      'schema_meta core.executed: missing ["014_230_to_270"], unexpected ["000_base"], recorded twice ["000_base"]',
      'schema_meta core.pending: unexpected ["009_200_to_210"]',
      'schema_meta core.last_executed: "000_base", expected "014_230_to_270"',
    ]);
  });
});
