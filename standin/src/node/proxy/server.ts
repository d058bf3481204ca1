// The proxy listener: route, run the plugins (plugins/pipeline.ts), forward, and add Kong's headers.
// Kong-generated responses carry `Server: kong/<version>`; proxied ones `Via: kong/<version>` and the
// latency headers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { atLeast } from "../../catalogue/entities.ts";
import type { Datastore } from "../../db/types.ts";
import type { Faults } from "../../faults.ts";
import { accessLog, accessLogEnabled } from "../log.ts";
import { HeaderMap, PluginRequest, type Exit, type ResponseParts } from "../plugins/context.ts";
import { PluginPipeline, type Configured } from "../plugins/pipeline.ts";
import { buildExit } from "../plugins/response.ts";
import type { NodeState } from "../state.ts";
import type { MigrationWatch } from "../migration-watch.ts";
import { Balancer } from "./balancer.ts";
import { Upstreams, forwardedPaths, pipeBody, upstreamHeaders } from "./forward.ts";

/** `proxy-slow` without `for=`: what a costly new plugin phase could add to every proxied request. */
const PROXY_SLOW_DEFAULT_MS = 150;
/** `ready-before-serving` without `for=`: how long a node answers 503 while `/status` says it is ready. */
const READY_BEFORE_SERVING_DEFAULT_MS = 8_000;

export interface ProxyDeps {
  readonly version: string;
  readonly state: NodeState;
  readonly ds: Datastore;
  readonly faults: Faults;
  readonly migrations: MigrationWatch;
}

export class ProxyHandler {
  private readonly server: string;
  private readonly via: string;
  readonly upstreams = new Upstreams();
  private readonly balancer: Balancer;
  private readonly pipeline: PluginPipeline;
  /** Requests held open by the `healthy-not-serving` fault, released on close. */
  readonly hung = new Set<ServerResponse>();

  /** The bound port, reported upstream as X-Forwarded-Port (set once listening). */
  port = 0;

  constructor(private readonly d: ProxyDeps) {
    this.server = `kong/${d.version}`;
    this.via = `kong/${d.version}`;
    this.balancer = new Balancer(d.state, d.ds);
    this.pipeline = new PluginPipeline(d);
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now();
    this.run(req, res, t0).catch(() => {
      if (!res.headersSent) this.exit(res, 500, "An unexpected error occurred");
      else res.destroy();
    }).finally(() => { if (accessLogEnabled) accessLog(req.socket.remoteAddress ?? "-", req.method ?? "-", req.url ?? "/", res.statusCode); });
  };

  /** A response Kong generates itself (kong.response.exit): Server and X-Kong-Response-Latency. */
  exit(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, t0?: number): void {
    // Fault `error-body-changed`: a new version that renames the field of its own error answers.
    const body = JSON.stringify(this.d.faults.active("error-body-changed") ? { error: message } : { message });
    res.writeHead(status, {
      "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body), Server: this.server,
      ...(t0 !== undefined ? { "X-Kong-Response-Latency": String(Math.round(performance.now() - t0)) } : {}), ...headers,
    });
    res.end(body);
  }

  private async run(req: IncomingMessage, res: ServerResponse, t0: number): Promise<void> {
    const f = this.d.faults;
    if (f.active("healthy-not-serving")) { this.hung.add(res); res.on("close", () => this.hung.delete(res)); return; }
    if (f.hits("proxy-reset")) { req.socket.destroy(); return; }
    if (f.hits("proxy-5xx")) { this.exit(res, 502, "An invalid response was received from the upstream server", {}, t0); return; }
    const slow = f.active("proxy-slow");
    if (slow) await new Promise((r) => setTimeout(r, slow.forMs ?? PROXY_SLOW_DEFAULT_MS));
    const notYet = f.active("ready-before-serving");
    if (notYet && f.sinceStartMs() < (notYet.forMs ?? READY_BEFORE_SERVING_DEFAULT_MS)) {
      this.exit(res, 503, "failure to get a peer from the ring-balancer", {}, t0);
      return;
    }
    const pending = this.d.state.ready();
    if (pending) await pending;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const match = this.d.state.router.match(req.method ?? "GET", req.headers.host ?? "", path, req.headers);
    if (!match) { this.exit(res, 404, "no Route matched with those values", {}, t0); return; }
    const service = match.service;
    if (!service) { this.exit(res, 503, "no Service found with those values", {}, t0); return; }
    const headers = upstreamHeaders(req, this.port, this.d.version, forwardedPaths(this.d.version, path, match.strippedPrefix));
    const ctx = new PluginRequest(req, res, path, q < 0 ? null : new URLSearchParams(url.slice(q + 1)), match.upstreamPath, headers, match.route, service);
    const { configured, exit } = await this.pipeline.access(ctx);
    if (exit) { this.respond(ctx, configured, exit, t0); return; }
    await this.forward(ctx, configured, t0);
  }

  /** An answer a plugin (or the balancer) gave: its headers and body through the filter phases. */
  private respond(ctx: PluginRequest, configured: readonly Configured[], exit: Exit, t0: number, upstreamLatencyMs?: number): void {
    const accept = ctx.req.headers.accept;
    const built = buildExit(exit, Array.isArray(accept) ? accept[0] : accept, this.errorField());
    const headers = new HeaderMap();
    for (const name of ctx.responseHeaders.names()) headers.set(name, ctx.responseHeaders.get(name)!);
    for (const [k, v] of Object.entries(built.headers)) headers.set(k, v);
    const parts: ResponseParts = { status: exit.status, headers, generated: exit.proxied !== true };
    this.pipeline.headerFilter(configured, ctx, parts);
    const body = this.pipeline.wantsBody(configured, ctx, parts) ? this.pipeline.bodyFilter(configured, ctx, parts, built.body) : built.body;
    if (exit.proxied) {
      this.proxiedHeaders(headers, t0, upstreamLatencyMs);
      // Up to 2.0 nginx's own Server header stays on an answer that stands for the upstream's
      // (a proxy-cache hit), and 1.5's hit is sent with ngx.say, without a Content-Length.
      if (!atLeast(this.d.version, "2.1.0")) headers.set("Server", "openresty");
    } else {
      headers.set("Server", this.server);
      headers.set("X-Kong-Response-Latency", String(Math.round(performance.now() - t0)));
    }
    if (!exit.proxied || atLeast(this.d.version, "2.0.0")) headers.set("Content-Length", String(body.length));
    ctx.res.writeHead(parts.status, headers.toObject());
    ctx.res.end(body);
  }

  /** Fault `error-body-changed`: a new version that renames the field of its own error answers. */
  private errorField(): string {
    return this.d.faults.active("error-body-changed") ? "error" : "message";
  }

  /** Via and the latency headers of a proxied answer (set after the plugins' header_filter, as Kong does). */
  private proxiedHeaders(h: HeaderMap, t0: number, upstreamLatencyMs: number | undefined, tUp?: number): void {
    // Fault `response-headers-dropped`: Kong's own response headers (Via, rate-limit counts) go missing.
    if (this.d.faults.active("response-headers-dropped") === undefined) h.set("via", this.via);
    if (upstreamLatencyMs !== undefined) h.set("x-kong-upstream-latency", String(upstreamLatencyMs));
    h.set("x-kong-proxy-latency", String(Math.max(0, Math.round((tUp ?? performance.now()) - t0))));
  }

  private async forward(ctx: PluginRequest, configured: readonly Configured[], t0: number): Promise<void> {
    const { req, res, service, route } = ctx;
    const svcHost = String(service.host), svcPort = Number(service.port ?? 80);
    const peer = await this.balancer.peer(svcHost, svcPort);
    if (peer === null) { this.respond(ctx, configured, { status: 503, form: "exit", message: "failure to get a peer from the ring-balancer" }, t0); return; }
    const qs = ctx.queryString ?? (ctx.query ? ctx.query.toString() : "");
    const explicitHost = ctx.upstreamHeaders.host;
    const hostHeader = typeof explicitHost === "string" ? explicitHost
      : route.preserve_host === true && req.headers.host ? req.headers.host : (svcPort === 80 || svcPort === 443 ? svcHost : `${svcHost}:${svcPort}`);
    const tUp = performance.now();
    const out = await this.upstreams.send(req, {
      host: peer.host, port: peer.port, method: ctx.upstreamMethod, path: qs ? `${ctx.upstreamPath}?${qs}` : ctx.upstreamPath, hostHeader,
      headers: ctx.upstreamHeaders, ...(ctx.body !== undefined ? { body: ctx.body } : {}),
      connectTimeoutMs: Number(service.connect_timeout ?? 60000), readTimeoutMs: Number(service.read_timeout ?? 60000),
    });
    const upLatency = Math.round(performance.now() - tUp);
    if (!out.ok) { this.respond(ctx, configured, { status: out.status, form: "exit", message: out.message }, t0); return; }
    const headers = HeaderMap.from(out.headers);
    for (const name of ctx.responseHeaders.names()) headers.set(name, ctx.responseHeaders.get(name)!);
    const parts: ResponseParts = { status: out.status, headers, generated: false };
    this.pipeline.headerFilter(configured, ctx, parts);
    this.proxiedHeaders(headers, t0, upLatency, tUp);
    if (ctx.method !== "HEAD" && this.pipeline.wantsBody(configured, ctx, parts)) {
      const chunks: Buffer[] = [];
      for await (const c of out.body) chunks.push(c as Buffer);
      const body = this.pipeline.bodyFilter(configured, ctx, parts, Buffer.concat(chunks));
      if (headers.has("content-length")) headers.set("content-length", String(body.length));
      res.writeHead(parts.status, headers.toObject());
      res.end(body);
      return;
    }
    res.writeHead(parts.status, headers.toObject());
    pipeBody(out.body, res);
  }
}
