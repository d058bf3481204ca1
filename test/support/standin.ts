// Helpers to run the Kong stand-in's `kong` CLI, as a local process (fast, for most tests) or as a
// `kong-standin:<version>` container (the official image's contract). Shared by S1's and S2's tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import pg from "pg";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { withPostgresAuth } from "../../harness/datastore/postgres.ts";
import { labImage, PROJECT_ROOT, readLabState } from "../../harness/runtime/lab-state.ts";

export interface KongResult { readonly exitCode: number; readonly stdout: string; readonly stderr: string }

const MAIN = join(PROJECT_ROOT, "standin/src/main.ts");

/** A Postgres the stand-in can reach, as KONG_* variables. */
export function pgEnv(pg: { host: string; port: number; user: string; password: string; database: string }): Record<string, string> {
  return {
    KONG_DATABASE: "postgres", KONG_PG_HOST: pg.host, KONG_PG_PORT: String(pg.port),
    KONG_PG_USER: pg.user, KONG_PG_PASSWORD: pg.password, KONG_PG_DATABASE: pg.database,
  };
}

function kongEnv(version: string, env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  // Only the variables a real `kong` would see: the caller's KONG_* must not leak in from the shell.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KONG_")));
  return { ...base, KONG_STANDIN_VERSION: version, ...env };
}

/** Spawns `kong <args>` of the given stand-in version as a local process. */
export function spawnKong(version: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: PROJECT_ROOT, env: kongEnv(version, env), stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs `kong <args>` to completion and returns its exit code and output (never throws on exit code). */
export function runKong(version: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 120_000): Promise<KongResult> {
  return collect(spawnKong(version, args, env), `kong ${args.join(" ")} (${version})`, timeoutMs);
}

function collect(child: ChildProcess, what: string, timeoutMs: number): Promise<KongResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${what} did not exit after ${timeoutMs}ms`)); }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** A `kong docker-start` running as a local process; `stop()` sends SIGQUIT and waits. */
export interface LocalKongNode {
  readonly process: ChildProcess;
  output(): { stdout: string; stderr: string };
  exited: Promise<number>;
  stop(): Promise<number>;
}

export function startLocalKong(version: string, env: Readonly<Record<string, string>>): LocalKongNode {
  const child = spawnKong(version, ["docker-start"], env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return {
    process: child,
    output: () => ({ stdout, stderr }),
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The image reference of a stand-in version: from the lab state when the lab built it, else the recipe's name. */
export function standinImage(version: string): string {
  const components = readLabState().components;
  return components[`kong-standin-${version}`]?.ref ?? components[`kong-standin@${version}`]?.ref ?? `kong-standin:${version}`;
}

/** Runs a one-shot `docker run --rm <image> kong <args>` (e.g. `kong migrations bootstrap`) and returns its result. */
export function runKongContainer(version: string, args: readonly string[], env: Readonly<Record<string, string>>, network?: string, timeoutMs = 120_000): Promise<KongResult> {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const netArgs = network ? ["--network", network] : [];
  return collect(spawn("docker", ["run", "--rm", ...netArgs, ...envArgs, standinImage(version), "kong", ...args], { stdio: ["ignore", "pipe", "pipe"] }),
    `docker run ${standinImage(version)} kong ${args.join(" ")}`, timeoutMs);
}

/** Starts a `kong-standin:<version>` node container (`kong docker-start`) with proxy and admin exposed. */
export async function startKongContainer(version: string, env: Readonly<Record<string, string>>, network?: string): Promise<StartedTestContainer> {
  let c = new GenericContainer(standinImage(version)).withExposedPorts(8000, 8001)
    .withEnvironment({ KONG_ADMIN_LISTEN: "0.0.0.0:8001", KONG_PROXY_LISTEN: "0.0.0.0:8000", ...env })
    .withWaitStrategy(Wait.forHttp("/status", 8001)).withStartupTimeout(60_000);
  if (network) c = c.withNetworkMode(network);
  return c.start();
}

/** One Postgres container per test file; each test takes a fresh database from it. */
export class SharedPostgres {
  private constructor(private readonly container: StartedPostgreSqlContainer, private n = 0) {}

  static async start(): Promise<SharedPostgres> {
    // md5: every stand-in version logs in (Kong before 2.7.0 has no SCRAM; see harness/datastore/postgres-auth.ts).
    const c = await withPostgresAuth(new PostgreSqlContainer(labImage("postgres")).withUsername("kong").withPassword("kong").withDatabase("kong"), "md5", { user: "kong", password: "kong" }).start();
    return new SharedPostgres(c);
  }

  /** KONG_* variables for a brand-new, empty database. */
  async freshDatabase(prefix = "kong"): Promise<Record<string, string>> {
    const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${++this.n}`;
    const client = new pg.Client({ connectionString: this.container.getConnectionUri() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return pgEnv({ host: this.container.getHost(), port: this.container.getPort(), user: "kong", password: "kong", database: name });
  }

  /** A client on one of the fresh databases (for assertions on schema_meta and tables). */
  async client(env: Readonly<Record<string, string>>): Promise<pg.Client> {
    const client = new pg.Client({ host: this.container.getHost(), port: this.container.getPort(), user: "kong", password: "kong", database: env.KONG_PG_DATABASE });
    await client.connect();
    return client;
  }

  /** The address containers on the default bridge use to reach this Postgres. */
  get containerHost(): string { return this.container.getIpAddress("bridge"); }

  async stop(): Promise<void> { await this.container.stop(); }
}

/** A free TCP port on 127.0.0.1 (for a local node's proxy and admin listeners). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Listener and prefix variables for a local `docker-start` (its own ports and prefix directory). */
export async function localNodeEnv(): Promise<{ env: Record<string, string>; adminUrl: string; proxyUrl: string }> {
  const [proxy, admin] = [await freePort(), await freePort()];
  const prefix = mkdtempSync(join(tmpdir(), "kong-standin-prefix-"));
  return {
    env: { KONG_PROXY_LISTEN: `127.0.0.1:${proxy}`, KONG_ADMIN_LISTEN: `127.0.0.1:${admin}`, KONG_PREFIX: prefix },
    adminUrl: `http://127.0.0.1:${admin}`, proxyUrl: `http://127.0.0.1:${proxy}`,
  };
}

/** Waits until the node answers GET / on its Admin API ("started") or its process exits ("exited"). */
export async function waitForNode(node: LocalKongNode, adminUrl: string, timeoutMs = 20_000): Promise<"started" | "exited"> {
  let exited = false;
  void node.exited.then(() => { exited = true; });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) return "exited";
    const up = await fetch(`${adminUrl}/`).then((r) => r.ok, () => false);
    if (up) return "started";
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Kong stand-in node at ${adminUrl} neither answered GET / nor exited after ${timeoutMs}ms`);
}
