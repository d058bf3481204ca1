// Shared fixtures for the node runtime's integration tests: one Postgres container per test file
// with a fresh database per test, bootstrap/up/finish through the stand-in CLI, stand-in nodes
// started in-process (fast) on ephemeral 127.0.0.1 ports, and a local echo upstream.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import pg from "pg";
import { request } from "undici";
import { catalogue } from "../../standin/src/catalogue/versions.ts";
import { loadConfig } from "../../standin/src/config.ts";
import { createDatastore } from "../../standin/src/db/index.ts";
import type { Datastore } from "../../standin/src/db/types.ts";
import { Faults, parseFaults } from "../../standin/src/faults.ts";
import { startNode, type RunningNode } from "../../standin/src/node/index.ts";
import type { MigrationState } from "../../standin/src/node/types.ts";
import { withPostgresAuth } from "../../harness/datastore/postgres.ts";
import { labImage } from "../../harness/runtime/lab-state.ts";
import { pgEnv, runKong, type KongResult } from "../support/standin.ts";

export class PgFixture {
  private counter = 0;
  private constructor(private readonly c: StartedPostgreSqlContainer) {}

  static async start(): Promise<PgFixture> {
    // md5: every stand-in version logs in (Kong before 2.7.0 has no SCRAM; see harness/datastore/postgres-auth.ts).
    return new PgFixture(await withPostgresAuth(new PostgreSqlContainer(labImage("postgres")).withUsername("kong").withPassword("kong").withDatabase("postgres"), "md5", { user: "kong", password: "kong" }).start());
  }

  /** A fresh, empty database; returns the KONG_* variables pointing at it. */
  async freshDb(): Promise<Record<string, string>> {
    const name = `kong_${process.pid}_${++this.counter}`;
    const client = new pg.Client({ host: this.c.getHost(), port: this.c.getPort(), user: "kong", password: "kong", database: "postgres" });
    await client.connect();
    try { await client.query(`CREATE DATABASE ${name}`); } finally { await client.end(); }
    return pgEnv({ host: this.c.getHost(), port: this.c.getPort(), user: "kong", password: "kong", database: name });
  }

  stop(): Promise<unknown> { return this.c.stop(); }
}

/** Runs `kong <args>` and fails the test unless it exits 0. */
export async function kong(version: string, args: string[], env: Record<string, string>): Promise<KongResult> {
  const r = await runKong(version, args, env);
  if (r.exitCode !== 0) throw new Error(`kong ${args.join(" ")} (${version}) exited ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
  return r;
}

export interface TestNode {
  readonly node: RunningNode;
  readonly ds: Datastore;
  readonly adminUrl: string;
  readonly proxyUrl: string;
  close(): Promise<void>;
}

export interface NodeOptions {
  readonly faults?: string;
  readonly hostname?: string;
  readonly env?: Record<string, string>;
  readonly migrationState?: MigrationState;
}

/** Starts a stand-in node of `version` in this process on ephemeral ports. */
export async function startTestNode(version: string, dbEnv: Record<string, string>, opts: NodeOptions = {}): Promise<TestNode> {
  const env = { KONG_PROXY_LISTEN: "127.0.0.1:0", KONG_ADMIN_LISTEN: "127.0.0.1:0", KONG_DB_UPDATE_FREQUENCY: "1", ...dbEnv, ...opts.env };
  const config = loadConfig(env, catalogue(version).bundledPlugins);
  const ds = await createDatastore(config, version, { poolSize: 4 });
  const hostname = opts.hostname ?? `node-${version}`;
  try {
    const node = await startNode({
      config, version, datastore: ds, faults: new Faults(parseFaults(opts.faults ?? ""), hostname), hostname, signals: false,
      ...(opts.migrationState ? { migrationState: opts.migrationState } : {}),
    });
    return {
      node, ds, adminUrl: `http://127.0.0.1:${node.admin[0]!.port}`, proxyUrl: `http://127.0.0.1:${node.proxy[0]!.port}`,
      close: async () => { await node.close(false); await ds.close(); },
    };
  } catch (e) {
    await ds.close();
    throw e;
  }
}

export interface Res { readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly body: unknown; readonly text: string }

/** One HTTP request; JSON bodies are encoded and decoded. */
export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const res = await request(url, {
    method: method as "GET", headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.statusCode, headers: res.headers, body: parsed, text };
}

/** A local upstream echoing the request it received as JSON. */
export class EchoUpstream {
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<EchoUpstream> {
    const server = createServer((req, res) => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
      const port = (server.address() as AddressInfo).port;
      // `?delay=<ms>` answers late: an in-flight request for graceful-shutdown tests.
      const delay = Number(/[?&]delay=(\d+)/.exec(req.url ?? "")?.[1] ?? 0);
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-upstream": "echo", "x-upstream-port": String(port) });
        res.end(body);
      }, delay);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return new EchoUpstream(server, (server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns true; returns the elapsed ms, or throws after timeoutMs. */
export async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what} not true after ${timeoutMs}ms`);
    await sleep(everyMs);
  }
}

export interface NodeTestbed {
  readonly pgf: PgFixture;
  readonly up: EchoUpstream;
  /** Starts a node that is closed after the current test. */
  start(...args: Parameters<typeof startTestNode>): Promise<TestNode>;
}

/** What node tests share: one Postgres and one echo upstream per file, nodes closed after each test. */
export function nodeTestbed(): NodeTestbed {
  let pgf: PgFixture | undefined;
  let up: EchoUpstream | undefined;
  const nodes: TestNode[] = [];
  before(async () => { pgf = await PgFixture.start(); up = await EchoUpstream.start(); });
  afterEach(async () => { await Promise.all(nodes.splice(0).map((n) => n.close())); });
  after(async () => { await up?.close(); await pgf?.stop(); });
  return {
    get pgf(): PgFixture { if (!pgf) throw new Error("the Postgres fixture is not started (use it inside a test)"); return pgf; },
    get up(): EchoUpstream { if (!up) throw new Error("the echo upstream is not started (use it inside a test)"); return up; },
    async start(...args) { const n = await startTestNode(...args); nodes.push(n); return n; },
  };
}

/** Two nodes of one version ("a" and "b") on one bootstrapped Postgres, with an echo upstream. */
export interface TwoNodes { readonly pgf: PgFixture; readonly up: EchoUpstream; readonly a: TestNode; readonly b: TestNode }

export async function startTwoNodes(version: string): Promise<TwoNodes> {
  const started: { -readonly [K in keyof TwoNodes]?: TwoNodes[K] } = {};
  try {
    started.pgf = await PgFixture.start();
    started.up = await EchoUpstream.start();
    const env = await started.pgf.freshDb();
    await kong(version, ["migrations", "bootstrap"], env);
    [started.a, started.b] = await Promise.all([startTestNode(version, env, { hostname: "a" }), startTestNode(version, env, { hostname: "b" })]);
    return started as TwoNodes;
  } catch (err) {
    await stopTwoNodes(started);
    throw err;
  }
}

/** Stops what startTwoNodes started (whatever of it did start). */
export async function stopTwoNodes(t: Partial<TwoNodes> | undefined): Promise<void> {
  await t?.a?.close(); await t?.b?.close(); await t?.up?.close(); await t?.pgf?.stop();
}
