// `kong config db_export` / `db_import` (reference 6): an export of one database imported into a
// fresh one gives the same entities.
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../../standin/src/config.ts";
import { catalogue } from "../../standin/src/catalogue/versions.ts";
import { ENTITY_TABLES } from "../../standin/src/catalogue/entities.ts";
import { createDatastore } from "../../standin/src/db/index.ts";
import type { Datastore } from "../../standin/src/db/types.ts";
import { DEFAULT_WS_ID } from "../../standin/src/migrations/core-ddl.ts";
import { runKong, SharedPostgres } from "../support/standin.ts";

const VERSION = "2.6.0";

async function datastore(env: Record<string, string>): Promise<Datastore> {
  return createDatastore(loadConfig(env, catalogue(VERSION).bundledPlugins), VERSION, { poolSize: 2 });
}

async function seed(ds: Datastore): Promise<void> {
  const service = await ds.entities.insert("services", { id: randomUUID(), name: "example-service", host: "upstream.test", port: 80, protocol: "http", retries: 5,
    connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true });
  await ds.entities.insert("routes", { id: randomUUID(), name: "example-route", hosts: ["example.com"], paths: ["/echo"], protocols: ["http", "https"],
    service_id: service.id, strip_path: true, preserve_host: false, regex_priority: 0, https_redirect_status_code: 426, path_handling: "v0",
    request_buffering: true, response_buffering: true });
  const consumer = await ds.entities.insert("consumers", { id: randomUUID(), username: "alice" });
  await ds.entities.insert("keyauth_credentials", { id: randomUUID(), consumer_id: consumer.id, key: "alice-key" });
  await ds.entities.insert("plugins", { id: randomUUID(), name: "key-auth", service_id: service.id, config: { key_names: ["apikey"], hide_credentials: false },
    enabled: true, protocols: ["grpc", "grpcs", "http", "https"], cache_key: `plugins:key-auth::${String(service.id)}:::${DEFAULT_WS_ID}` });
  const upstream = await ds.entities.insert("upstreams", { id: randomUUID(), name: "backend", slots: 10000, algorithm: "round-robin", hash_on: "none", hash_fallback: "none" });
  await ds.entities.insert("targets", { id: randomUUID(), upstream_id: upstream.id, target: "10.0.0.1:80", weight: 100 });
}

describe("kong config db_export / db_import (stand-in, Postgres)", function () {
  this.timeout(60_000);
  let pgs: SharedPostgres;
  const dir = mkdtempSync(join(tmpdir(), "kong-standin-export-"));
  before(async () => { pgs = await SharedPostgres.start(); });
  after(async () => { await pgs?.stop(); });

  it("exports YAML that imports into a fresh database with the same entities", async () => {
    const [a, b] = [await pgs.freshDatabase("export_a"), await pgs.freshDatabase("export_b")];
    for (const env of [a, b]) expect((await runKong(VERSION, ["migrations", "bootstrap"], env)).exitCode).to.equal(0);
    const dsA = await datastore(a);
    const dsB = await datastore(b);
    try {
      await seed(dsA);
      const file = join(dir, "kong.yml");
      const exp = await runKong(VERSION, ["config", "db_export", file], a);
      expect(exp).to.deep.equal({ exitCode: 0, stdout: "", stderr: "" });
      const doc = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      expect(Object.keys(doc)).to.deep.equal(["_format_version", "_transform", "services", "routes", "consumers", "plugins", "upstreams", "targets", "keyauth_credentials"]);
      expect(doc._format_version).to.equal("2.1");
      expect(doc._transform).to.equal(false);
      expect((doc.routes as Record<string, unknown>[])[0]!.service).to.be.a("string");

      const imp = await runKong(VERSION, ["config", "db_import", file], b);
      expect(imp.exitCode, imp.stderr).to.equal(0);
      expect(imp.stdout).to.equal("parse successful, beginning import\nimport successful\n");
      for (const t of ENTITY_TABLES) expect(await dsB.entities.all(t), t).to.deep.equal(await dsA.entities.all(t));
    } finally {
      await dsA.close();
      await dsB.close();
    }
  });

  // A replica that was down while the latest writes were made, read at consistency ONE, gives an
  // export without them; the stand-in leaves out the rows created in the `for` ms before the newest row.
  it("export-misses-recent: rows created in the `for` ms before the newest row are left out, older ones kept; without the switch all are there", async () => {
    const env = await pgs.freshDatabase("export_recent");
    expect((await runKong(VERSION, ["migrations", "bootstrap"], env)).exitCode).to.equal(0);
    const ds = await datastore(env);
    try {
      await ds.entities.insert("consumers", { id: randomUUID(), username: "early" });
      // created_at has whole seconds: 2.5 s apart, the two rows are at least 2 s apart there, beyond `for=1000`.
      await new Promise((r) => setTimeout(r, 2_500));
      await ds.entities.insert("consumers", { id: randomUUID(), username: "late" });
    } finally {
      await ds.close();
    }
    const usernames = async (faults: string): Promise<string[]> => {
      const file = join(dir, `recent-${faults || "none"}.yml`);
      const r = await runKong(VERSION, ["config", "db_export", file], { ...env, ...(faults ? { KONG_STANDIN_FAULTS: faults } : {}) });
      expect(r, faults).to.deep.equal({ exitCode: 0, stdout: "", stderr: "" });
      const doc = parse(readFileSync(file, "utf8")) as { consumers?: Array<{ username: string }> };
      return (doc.consumers ?? []).map((c) => c.username).sort();
    };
    expect(await usernames("export-misses-recent@for=1000")).to.deep.equal(["early"]);
    expect(await usernames("")).to.deep.equal(["early", "late"]);
  });

  it("refuses to overwrite an existing file", async () => {
    const env = await pgs.freshDatabase("export_exists");
    expect((await runKong(VERSION, ["migrations", "bootstrap"], env)).exitCode).to.equal(0);
    const file = join(dir, "exists.yml");
    expect((await runKong(VERSION, ["config", "db_export", file], env)).exitCode).to.equal(0);
    expect(existsSync(file)).to.equal(true);
    const again = await runKong(VERSION, ["config", "db_export", file], env);
    expect(again.exitCode).to.equal(1);
    expect(again.stderr).to.equal(`Error: ${file} already exists. Will not overwrite it.\n\n  Run with --v (verbose) or --vv (debug) for more details\n`);
  });

  it("1.5.1 exports `_format_version: \"1.1\"` and rejects a 2.1 file", async () => {
    const env = await pgs.freshDatabase("export_15");
    expect((await runKong("1.5.1", ["migrations", "bootstrap"], env)).exitCode).to.equal(0);
    const file = join(dir, "v15.yml");
    expect((await runKong("1.5.1", ["config", "db_export", file], env)).exitCode).to.equal(0);
    expect(parse(readFileSync(file, "utf8"))).to.deep.equal({ _format_version: "1.1", _transform: false });
    const file21 = join(dir, "v21.yml");
    writeFileSync(file21, "_format_version: \"2.1\"\n_transform: false\n");
    const imp = await runKong("1.5.1", ["config", "db_import", file21], env);
    expect(imp.exitCode).to.equal(1);
    expect(imp.stderr).to.match(/^Error: Failed parsing:\nin '_format_version': expected one of: 1\.1\n/);
  });
});
