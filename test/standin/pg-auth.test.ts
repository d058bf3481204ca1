// Postgres authentication per Kong version, on real containers of the lab's postgres image: one
// datastore set up for md5 and one for SCRAM-SHA-256 (the harness's PostgresDatastore), what each
// asks a client for, and the stand-in's `kong` of a version whose pgmoon has no SCRAM (2.5.1:
// pgmoon 1.12.0) against one that has it (2.8.5: pgmoon 1.16.0). Real Kong 2.5.1 on a SCRAM
// Postgres: `kong migrations bootstrap` exits 1 with `Error: don't know how to auth: 10`.
import { expect } from "chai";
import { Network, type StartedNetwork } from "testcontainers";
import { PostgresDatastore, type StartedPostgresDatastore } from "../../harness/datastore/postgres.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { requestedAuthentication } from "../../standin/src/db/postgres/connection.ts";
import { pgEnv, runKong } from "../support/standin.ts";

const KONG_CLI_AUTH_ERROR = "Error: don't know how to auth: 10\n\n  Run with --v (verbose) or --vv (debug) for more details\n";

describe("Postgres authentication: the lab's md5 and SCRAM datastores, and the stand-in's client per version", function () {
  this.timeout(240_000);
  let network: StartedNetwork;
  let md5: StartedPostgresDatastore;
  let scram: StartedPostgresDatastore;
  const endpoint = (ds: StartedPostgresDatastore): { host: string; port: number; user: string; password: string; database: string } =>
    ({ host: ds.container.getHost(), port: ds.container.getPort(), user: "kong", password: "kong", database: ds.database });

  before(async () => {
    network = await new Network().start();
    [md5, scram] = await Promise.all([
      new PostgresDatastore(labImage("postgres")).withAuth("md5").start(network),
      new PostgresDatastore(labImage("postgres")).withAuth("scram-sha-256").start(network),
    ]);
  });
  after(async () => {
    await Promise.all([md5?.stop(), scram?.stop()]);
    await network?.stop();
  });

  it("each datastore stores the password and asks for it as set up; node-postgres logs in to both", async () => {
    for (const [ds, auth, code, stored] of [[md5, "md5", 5, /^md5/], [scram, "scram-sha-256", 10, /^SCRAM-SHA-256\$/]] as const) {
      expect(ds.auth).to.equal(auth);
      expect(await requestedAuthentication({ ...endpoint(ds), timeoutMs: 5_000 }), `${auth}: first Authentication request code`).to.equal(code);
      const [row] = await ds.query<{ enc: string; pw: string }>("SELECT current_setting('password_encryption') AS enc, rolpassword AS pw FROM pg_authid WHERE rolname = 'kong'");
      expect(row!.enc).to.equal(auth);
      expect(row!.pw).to.match(stored);
    }
  });

  it("a stand-in 2.5.1 (pgmoon 1.12.0) fails `kong migrations bootstrap` on the SCRAM datastore as Kong does", async () => {
    const r = await runKong("2.5.1", ["migrations", "bootstrap"], pgEnv(endpoint(scram)));
    expect([r.exitCode, r.stdout, r.stderr]).to.deep.equal([1, "", KONG_CLI_AUTH_ERROR]);
    expect(await scram.schemaMeta(), "nothing was bootstrapped").to.equal(null);
  });

  it("... and its node (`kong docker-start`) exits 1 with nginx's init_by_lua error, pgmoon's position included", async () => {
    const r = await runKong("2.5.1", ["docker-start"], { ...pgEnv(endpoint(scram)), KONG_ADMIN_LISTEN: "127.0.0.1:0", KONG_PROXY_LISTEN: "127.0.0.1:0" });
    expect(r.exitCode).to.equal(1);
    expect(r.stderr.split("\n").slice(0, 3)).to.deep.equal([
      "nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/pgmoon/init.lua:256: don't know how to auth: 10", "stack traceback:", "\t[C]: in function 'error'",
    ]);
  });

  it("the same stand-in 2.5.1 bootstraps the md5 datastore", async () => {
    const r = await runKong("2.5.1", ["migrations", "bootstrap"], pgEnv(endpoint(md5)));
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("Database is up-to-date");
  });

  it("a stand-in 2.8.5 (pgmoon 1.16.0, SCRAM) bootstraps the SCRAM datastore", async () => {
    const r = await runKong("2.8.5", ["migrations", "bootstrap"], pgEnv(endpoint(scram)));
    expect(r.exitCode, r.stderr).to.equal(0);
    expect((await scram.schemaMeta())?.length ?? 0).to.be.greaterThan(0);
  });
});
