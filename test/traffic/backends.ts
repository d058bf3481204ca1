// Local HTTP backends for load balancer tests: each answers with its name, and can be told to
// hold answers until released, answer an error status, or reset the connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

export type Behaviour = "ok" | "hold" | "reset" | "error500";

export class TestBackend {
  behaviour: Behaviour = "ok";
  received = 0;
  private held: ServerResponse[] = [];
  private arrivalWaiters: { count: number; resolve: () => void }[] = [];
  private constructor(readonly name: string, private readonly server: Server, readonly url: string) {}

  static async start(name: string, behaviour: Behaviour = "ok"): Promise<TestBackend> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const backend = new TestBackend(name, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    backend.behaviour = behaviour;
    server.on("request", (req, res) => backend.handle(req, res));
    return backend;
  }

  /** Resolves once `count` requests arrived in total. */
  arrivals(count: number): Promise<void> {
    if (this.received >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivalWaiters.push({ count, resolve }));
  }

  /** Answers every held request with 200. */
  release(): number {
    const held = this.held;
    this.held = [];
    for (const res of held) res.writeHead(200, { "content-type": "text/plain" }).end(this.name);
    return held.length;
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.received++;
    this.arrivalWaiters = this.arrivalWaiters.filter((w) => (this.received >= w.count ? (w.resolve(), false) : true));
    req.resume();
    switch (this.behaviour) {
      case "hold":
        this.held.push(res);
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "error500":
        res.writeHead(500, { "content-type": "text/plain" }).end(`${this.name} failed`);
        return;
      case "ok":
        res.writeHead(200, { "content-type": "text/plain", "x-probe-seen": String(req.headers["x-kuh-probe"] ?? "") }).end(this.name);
    }
  }
}

/** A URL on 127.0.0.1 where nothing listens. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface Answer { status: number; cluster: string; node: string; body: string }

/** A keep-alive client for the load balancer. */
export class Client {
  private readonly pool: Pool;
  constructor(url: string) {
    this.pool = new Pool(url, { connections: 16 });
  }
  async get(path = "/echo", probe = "echo"): Promise<Answer> {
    const r = await this.pool.request({ method: "GET", path, headers: { "x-kuh-probe": probe } });
    const body = await r.body.text();
    return { status: r.statusCode, cluster: String(r.headers["x-kuh-cluster"] ?? ""), node: String(r.headers["x-kuh-node"] ?? ""), body };
  }
  /** n requests, `concurrency` at a time. */
  async many(n: number, concurrency = 8, path?: string): Promise<Answer[]> {
    const out: Answer[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        next++;
        out.push(await this.get(path));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
    return out;
  }
  close(): Promise<void> {
    return this.pool.close();
  }
}
