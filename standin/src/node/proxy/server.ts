// The proxy listener: route, run key-auth and rate-limiting, forward, and add Kong's headers.
// Kong-generated responses carry `Server: kong/<version>`; proxied ones `Via: kong/<version>` and the
// latency headers.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Datastore, Row } from "../../db/types.ts";
import type { Faults } from "../../faults.ts";
import { accessLog, accessLogEnabled, log } from "../log.ts";
import { keyAuth, keyAuthConfig, setConsumerHeaders } from "../plugins/key-auth.ts";
import { COLD_READ_KEY_PREFIX, MIGRATION_FAULTS } from "../../migrations/faults.ts";
import { exceeded, increment, rateLimitConfig, rateLimitHeaders, scheduleIncrement, usage, type CounterKeyBase, type RateLimitConfig, type Usage } from "../plugins/rate-limiting.ts";
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
  /** Requests held open by the `healthy-not-serving` fault, released on close. */
  readonly hung = new Set<ServerResponse>();

  /** The bound port, reported upstream as X-Forwarded-Port (set once listening). */
  port = 0;

  constructor(private readonly d: ProxyDeps) {
    this.server = `kong/${d.version}`;
    this.via = `kong/${d.version}`;
    this.balancer = new Balancer(d.state, d.ds);
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
    const routeId = String(match.route.id), serviceId = String(service.id);
    const headers = upstreamHeaders(req, this.port, this.d.version, forwardedPaths(this.d.version, path, match.strippedPrefix));
    let query = q < 0 ? null : new URLSearchParams(url.slice(q + 1));
    const consumer = await this.authenticate(req, res, query, headers, routeId, serviceId, t0);
    if (consumer === false) return;
    if (consumer.strippedQuery !== undefined) query = consumer.strippedQuery;
    const rl = await this.rateLimit(req, res, routeId, serviceId, consumer.consumer, consumer.credential, t0);
    if (rl === false) return;
    if (rl) scheduleIncrement(this.d.version, res, () => increment(rl.conf, rl.base, this.d.ds.counters, rl.used));
    await this.forward(req, res, t0, service, match.route, match.upstreamPath, query, headers, rl);
  }

  /** key-auth when configured for this route/service; false when the response has been sent. */
  private async authenticate(req: IncomingMessage, res: ServerResponse, query: URLSearchParams | null, headers: Record<string, string | string[]>, routeId: string, serviceId: string, t0: number):
    Promise<false | { consumer: Row | null; credential: Row | null; strippedQuery?: URLSearchParams | null }> {
    const plugin = this.d.state.plugins.lookup("key-auth", routeId, serviceId, null);
    if (!plugin || this.authBypassed()) return { consumer: null, credential: null };
    const coldReads = this.d.faults.active(MIGRATION_FAULTS.damagesColdReads) !== undefined;
    const out = await keyAuth(keyAuthConfig(plugin.config as Record<string, unknown>), req, query, this.d.state, this.d.ds,
      coldReads ? (key) => [`${COLD_READ_KEY_PREFIX}${key}`, key] : undefined);
    if (out.kind === "deny") { this.exit(res, out.status, out.message, out.headers, t0); return false; }
    // Fault `upstream-consumer-headers-dropped`: the upstream never learns who the consumer is.
    if ((out.consumer || out.credential) && !this.d.faults.active("upstream-consumer-headers-dropped", "plugins")) setConsumerHeaders(this.d.version, headers, out.consumer, out.credential);
    if (out.strip.header) delete headers[out.strip.header];
    let strippedQuery: URLSearchParams | null | undefined;
    if (out.strip.query && query) { query.delete(out.strip.query); strippedQuery = query; }
    return { consumer: out.consumer, credential: out.credential, ...(strippedQuery !== undefined ? { strippedQuery } : {}) };
  }

  /** Fault switches that leave key-auth unenforced (see standin/README.md). */
  private authBypassed(): boolean {
    const m = this.d.migrations.current;
    return (this.d.faults.active("auth-bypass-until-finish", "plugins") !== undefined && m.pending.length > 0)
      || (this.d.faults.active("old-after-finish-open", "plugins") !== undefined && m.newerExecuted);
  }

  private async rateLimit(req: IncomingMessage, res: ServerResponse, routeId: string, serviceId: string, consumer: Row | null, credential: Row | null, t0: number):
    Promise<false | { conf: RateLimitConfig; base: CounterKeyBase; used: Usage[]; headers: Record<string, string> } | null> {
    const plugin = this.d.state.plugins.lookup("rate-limiting", routeId, serviceId, consumer ? String(consumer.id) : null);
    if (!plugin) return null;
    const conf = rateLimitConfig(plugin.config as Record<string, unknown>);
    const ip = req.socket.remoteAddress ?? "127.0.0.1";
    let identifier: string | null =
      conf.limit_by === "consumer" ? String((consumer ?? credential)?.id ?? "") || null
      : conf.limit_by === "credential" ? (credential ? String(credential.id) : null)
      : conf.limit_by === "service" ? serviceId
      : conf.limit_by === "header" && conf.header_name ? (req.headers[conf.header_name.toLowerCase()] as string | undefined) ?? null
      : null;
    identifier ??= ip;
    // Fault `counter-format-split`: this version keys its counters differently, so two clusters count apart.
    if (this.d.faults.active("counter-format-split", "plugins")) identifier = `${this.d.version}|${identifier}`;
    const base: CounterKeyBase = { identifier, routeId, serviceId };
    let used: Usage[];
    try {
      used = await usage(conf, base, this.d.ds.counters, Date.now());
    } catch (e) {
      // fault_tolerant (default): proxy without limiting when the counters cannot be read, as Kong does.
      log("error", `[rate-limiting] failed to get usage: ${(e as Error).message}`);
      if (!conf.fault_tolerant) { this.exit(res, 500, "An unexpected error occurred"); return false; }
      return null;
    }
    const stop = exceeded(used);
    const headers = conf.hide_client_headers ? {} : rateLimitHeaders(this.d.version, used, stop);
    if (stop) {
      const reset = headers["RateLimit-Reset"];
      this.exit(res, 429, "API rate limit exceeded", reset ? { ...headers, "Retry-After": reset } : headers, t0);
      return false;
    }
    return { conf, base, used, headers };
  }

  private async forward(req: IncomingMessage, res: ServerResponse, t0: number, service: Row, route: Row, path: string, query: URLSearchParams | null,
    headers: Record<string, string | string[]>, rl: { conf: RateLimitConfig; base: CounterKeyBase; used: Usage[]; headers: Record<string, string> } | null): Promise<void> {
    const svcHost = String(service.host), svcPort = Number(service.port ?? 80);
    const peer = await this.balancer.peer(svcHost, svcPort);
    if (peer === null) { this.exit(res, 503, "failure to get a peer from the ring-balancer", {}, t0); return; }
    const qs = query ? query.toString() : "";
    const hostHeader = route.preserve_host === true && req.headers.host ? req.headers.host : (svcPort === 80 || svcPort === 443 ? svcHost : `${svcHost}:${svcPort}`);
    const tUp = performance.now();
    const out = await this.upstreams.send(req, {
      host: peer.host, port: peer.port, path: qs ? `${path}?${qs}` : path, hostHeader, headers,
      connectTimeoutMs: Number(service.connect_timeout ?? 60000), readTimeoutMs: Number(service.read_timeout ?? 60000),
    });
    const upLatency = Math.round(performance.now() - tUp);
    if (!out.ok) { this.exit(res, out.status, out.message, rl?.headers, t0); return; }
    const h = out.headers;
    // Fault `response-headers-dropped`: Kong's own response headers (Via, rate-limit counts) go missing.
    const dropped = this.d.faults.active("response-headers-dropped") !== undefined;
    if (!dropped) h["via"] = this.via;
    h["x-kong-upstream-latency"] = String(upLatency);
    h["x-kong-proxy-latency"] = String(Math.max(0, Math.round(tUp - t0)));
    if (rl && !dropped) Object.assign(h, rl.headers);
    res.writeHead(out.status, h);
    pipeBody(out.body, res);
  }
}
