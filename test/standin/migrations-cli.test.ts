// `kong migrations` messages and exit codes outside the happy path (reference 3.3–3.6).
import { expect } from "chai";
import { freePort, runKong, SharedPostgres } from "../support/standin.ts";

const HINT = "\n\n  Run with --v (verbose) or --vv (debug) for more details\n";
const NEEDS_BOOTSTRAP = "Database needs bootstrapping or is older than Kong 1.0.\n\nTo start a new installation from scratch, run 'kong migrations bootstrap'.\n\n" +
  "To migrate from a version older than 1.0, migrated to Kong 1.5.0 first. \nIf you still have 'apis' entities, you can convert them to Routes and Services\n" +
  "using the 'kong migrations migrate-apis' command in Kong 1.5.0.\n\n";

describe("kong migrations: errors, warnings and exit codes (stand-in, Postgres)", function () {
  this.timeout(60_000);
  let pgs: SharedPostgres;
  before(async () => { pgs = await SharedPostgres.start(); });
  after(async () => { await pgs?.stop(); });

  const ok = async (version: string, cmd: string, env: Record<string, string>): Promise<void> => {
    const r = await runKong(version, ["migrations", cmd], env);
    expect(r.exitCode, `${version} ${cmd}: ${r.stderr}`).to.equal(0);
  };

  it("reports an unreachable database as a PostgreSQL error (exit 1)", async () => {
    const port = await freePort();
    const r = await runKong("2.6.0", ["migrations", "list"], { KONG_PG_HOST: "127.0.0.1", KONG_PG_PORT: String(port) });
    expect(r).to.deep.equal({ exitCode: 1, stdout: "", stderr: `Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: connection refused${HINT}` });
  });

  it("refuses up and finish before bootstrap, with each version's wording", async () => {
    const env = await pgs.freshDatabase("not_bootstrapped");
    expect(await runKong("2.6.0", ["migrations", "up"], env)).to.deep.equal({ exitCode: 1, stdout: "", stderr: `Error: Cannot run migrations: ${NEEDS_BOOTSTRAP}${HINT}` });
    expect((await runKong("1.5.1", ["migrations", "up"], env)).stderr).to.equal(`Error: Cannot run migrations: database needs bootstrapping; run 'kong migrations bootstrap'${HINT}`);
    expect((await runKong("1.5.1", ["migrations", "finish"], env)).stderr).to.equal(`Error: Cannot run migrations; run 'kong migrations bootstrap' instead${HINT}`);
    expect(await runKong("1.5.1", ["migrations", "list"], env)).to.deep.equal({ exitCode: 3, stdout: "Database needs bootstrapping; run 'kong migrations bootstrap'\n", stderr: "" });
    expect(await runKong("2.6.0", ["migrations", "reset", "-y"], env)).to.deep.equal({ exitCode: 1, stdout: "Database not bootstrapped, nothing to reset\n", stderr: "" });
  });

  it("finish with only new migrations prints the up hint and exits 0; bootstrap twice says so", async () => {
    const env = await pgs.freshDatabase("finish_new");
    await ok("2.6.0", "bootstrap", env);
    expect(await runKong("2.6.0", ["migrations", "bootstrap"], env)).to.deep.equal({ exitCode: 0, stdout: "Database already bootstrapped\n", stderr: "" });
    expect(await runKong("2.7.2", ["migrations", "finish"], env)).to.deep.equal({ exitCode: 0, stdout: "\nNew migrations available; run 'kong migrations up' to proceed\n", stderr: "" });
    const list = await runKong("2.7.2", ["migrations", "list"], env);
    expect(list.exitCode).to.equal(5);
    expect(list.stdout.endsWith("\nNew migrations available:\ncore: 014_230_to_270\n\nRun 'kong migrations up' to proceed\n")).to.equal(true);
  });

  it("pending and new together: list exits 4 with the warning; 2.2+ up refuses without a traceback", async () => {
    const env = await pgs.freshDatabase("pending_and_new");
    await ok("2.0.5", "bootstrap", env);
    await ok("2.1.4", "up", env);
    const list = await runKong("2.2.2", ["migrations", "list"], env);
    expect(list.exitCode).to.equal(4);
    expect(list.stdout).to.match(/\nPending migrations:\n {10}core: 009_200_to_210\n/);
    expect(list.stdout).to.match(/\nNew migrations available:\n {3}core: 012_213_to_220\nsession: 001_add_ttl_index\n/);
    expect(list.stdout.endsWith("\n\nRun 'kong migrations finish' when ready to complete pending migrations (postgres database will be incompatible with the previous Kong version)\n")).to.equal(true);
    expect(list.stderr).to.match(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[warn\] Database has pending migrations from a previous upgrade, and new migrations from this upgrade \(version 2\.2\.2\)\n$/);
    expect(await runKong("2.2.2", ["migrations", "up"], env)).to.deep.equal({ exitCode: 1, stdout: "", stderr: `Error: Database has pending migrations; run 'kong migrations finish'${HINT}` });
  });

  it("1.5–2.1 wrap the pending error in the cluster_mutex error with a traceback", async () => {
    const env = await pgs.freshDatabase("pending_wrapped");
    await ok("1.5.1", "bootstrap", env);
    await ok("2.0.5", "up", env);
    const r = await runKong("2.0.5", ["migrations", "up"], env);
    expect(r.exitCode).to.equal(1);
    const lines = r.stderr.split("\n");
    expect(lines[0]).to.equal("Error: [PostgreSQL error] cluster_mutex callback threw an error: /usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua:67: " +
      "Database has pending migrations; run 'kong migrations finish'");
    expect(lines[1]).to.equal("stack traceback:");
  });

  it("reset needs --yes without a TTY, then drops everything", async () => {
    const env = await pgs.freshDatabase("reset");
    await ok("2.6.0", "bootstrap", env);
    expect(await runKong("2.6.0", ["migrations", "reset"], env)).to.deep.equal({ exitCode: 1, stdout: "", stderr: `Error: not a tty: invoke 'reset' non-interactively with the --yes flag${HINT}` });
    expect(await runKong("2.6.0", ["migrations", "reset", "--yes"], env)).to.deep.equal({ exitCode: 0, stdout: "Resetting database...\nDatabase successfully reset\n", stderr: "" });
    expect((await runKong("2.6.0", ["migrations", "list"], env)).exitCode).to.equal(3);
  });

  it("rejects an unknown subcommand with the usage (exit 1)", async () => {
    const r = await runKong("2.6.0", ["migrations", "frobnicate"], {});
    expect(r.exitCode).to.equal(1);
    expect(r.stderr.startsWith("No such command for migrations: frobnicate\n\nUsage: kong migrations COMMAND [OPTIONS]\n")).to.equal(true);
  });
});
