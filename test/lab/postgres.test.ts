// The lab's postgres:15 image honours the official image's contract: @testcontainers/postgresql
// starts it unchanged (its pg_isready health check and port check), with user, password and
// database set through the module's own options, and a pg client gets in over the network.
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { expect } from "chai";
import pg from "pg";
import { labImage } from "../../harness/runtime/lab-state.ts";

describe("lab: postgres", function () {
  let container: StartedPostgreSqlContainer | undefined;
  let client: pg.Client | undefined;

  before(async function () {
    const started = performance.now();
    container = await new PostgreSqlContainer(labImage("postgres"))
      .withUsername("kong_user")
      // no spaces: the module puts the password unquoted into its CMD-SHELL health check
      .withPassword("s3cret-pass")
      .withDatabase("kong_db")
      .withCommand(["postgres", "-c", "max_connections=300"])
      .start();
    console.log(`      postgres ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    client = new pg.Client({ connectionString: container.getConnectionUri(), connectionTimeoutMillis: 5_000 });
    await client.connect();
  });

  after(async function () {
    await client?.end();
    await container?.stop();
  });

  it("connects as the configured user to the configured database", async function () {
    const { rows } = await client!.query<{ user: string; db: string; version: string }>(
      "SELECT current_user AS user, current_database() AS db, current_setting('server_version_num') AS version",
    );
    expect(rows).to.have.length(1);
    expect(rows[0]!.user).to.equal("kong_user");
    expect(rows[0]!.db).to.equal("kong_db");
    expect(Number(rows[0]!.version)).to.be.within(150000, 159999);
  });

  it("passes CMD -c options to the server", async function () {
    const { rows } = await client!.query<{ max_connections: string }>("SHOW max_connections");
    expect(rows[0]!.max_connections).to.equal("300");
  });

  it("runs as the postgres user and requires the password over the network", async function () {
    const { output, exitCode } = await container!.exec(["sh", "-c", "stat -c %U /proc/1; grep -v '^#' \"$PGDATA/pg_hba.conf\" | grep '^host all all all'"]);
    expect(exitCode, output).to.equal(0);
    expect(output).to.match(/^postgres\n/);
    expect(output).to.contain("host all all all scram-sha-256");

    const wrong = new pg.Client({
      host: container!.getHost(),
      port: container!.getPort(),
      user: "kong_user",
      password: "wrong",
      database: "kong_db",
      connectionTimeoutMillis: 5_000,
    });
    let error: unknown;
    try {
      await wrong.connect();
    } catch (e) {
      error = e;
    } finally {
      await wrong.end().catch(() => undefined);
    }
    expect(String(error)).to.contain("password authentication failed");
  });

  it("logs the ready line twice: the init server's and the real one's", async function () {
    const logs = await new Promise<string>((resolveLogs, reject) => {
      let text = "";
      container!.logs().then((stream) => {
        stream.on("data", (chunk: Buffer | string) => (text += chunk.toString()));
        stream.on("error", reject);
        // the log stream follows; what is there already arrives at once
        setTimeout(() => {
          stream.destroy();
          resolveLogs(text);
        }, 500);
      }, reject);
    });
    expect(logs.match(/database system is ready to accept connections/g) ?? []).to.have.length(2);
    expect(logs).to.contain("PostgreSQL init process complete; ready for start up.");
  });
});

describe("lab: postgres init scripts", function () {
  it("runs /docker-entrypoint-initdb.d/*.sql and *.sh once, and honours POSTGRES_HOST_AUTH_METHOD", async function () {
    const container = await new PostgreSqlContainer(labImage("postgres"))
      .withUsername("admin")
      .withPassword("admin")
      .withDatabase("app")
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "md5" })
      .withCopyContentToContainer([
        { content: "CREATE TABLE seeded (name text); INSERT INTO seeded VALUES ('from-sql');\n", target: "/docker-entrypoint-initdb.d/01-seed.sql" },
        {
          content: 'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "INSERT INTO seeded VALUES (\'from-sh\')"\n',
          target: "/docker-entrypoint-initdb.d/02-seed.sh",
        },
      ])
      .start();
    const client = new pg.Client({ connectionString: container.getConnectionUri(), connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ name: string }>("SELECT name FROM seeded ORDER BY name");
      expect(rows.map((r) => r.name)).to.deep.equal(["from-sh", "from-sql"]);
      const hba = await container.exec(["sh", "-c", "grep '^host all all all' \"$PGDATA/pg_hba.conf\""]);
      expect(hba.output.trim()).to.equal("host all all all md5");
    } finally {
      await client.end().catch(() => undefined);
      await container.stop();
    }
  });
});
