// Sending a matched request to its upstream over keep-alive connection pools (undici), and turning
// upstream failures into Kong's responses: 502 invalid response, 504 timed out.
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { Pool, errors, type Dispatcher } from "undici";
import { atLeast } from "../../catalogue/entities.ts";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect", "host"]);

export interface ForwardPlan {
  readonly host: string;
  readonly port: number;
  /** The method sent upstream (request-transformer's http_method may change it). */
  readonly method?: string;
  readonly path: string;
  readonly hostHeader: string;
  readonly headers: Record<string, string | string[]>;
  /** A body a plugin read or rewrote, sent instead of streaming the client's. */
  readonly body?: Buffer;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
}

export type ForwardResult =
  | { readonly ok: true; readonly status: number; readonly headers: Record<string, string | string[]>; readonly body: Dispatcher.ResponseData["body"] }
  | { readonly ok: false; readonly status: 502 | 504; readonly message: string };

export class Upstreams {
  private readonly pools = new Map<string, Pool>();

  private pool(host: string, port: number, connectTimeoutMs: number): Pool {
    const origin = `http://${host}:${port}`;
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, { connections: 64, pipelining: 1, connectTimeout: connectTimeoutMs, keepAliveTimeout: 60_000 });
      this.pools.set(origin, p);
    }
    return p;
  }

  async send(req: IncomingMessage, plan: ForwardPlan): Promise<ForwardResult> {
    const hasBody = req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
    const sent: Record<string, string | string[]> = { ...plan.headers, host: plan.hostHeader };
    if (plan.body !== undefined && (hasBody || plan.body.length > 0)) sent["content-length"] = String(plan.body.length);
    try {
      const res = await this.pool(plan.host, plan.port, plan.connectTimeoutMs).request({
        method: (plan.method ?? req.method) as Dispatcher.HttpMethod, path: plan.path,
        headers: sent, body: plan.body !== undefined ? (hasBody || plan.body.length > 0 ? plan.body : null) : hasBody ? req : null,
        headersTimeout: plan.readTimeoutMs, bodyTimeout: plan.readTimeoutMs,
      });
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
      return { ok: true, status: res.statusCode, headers, body: res.body };
    } catch (e) {
      if (e instanceof errors.HeadersTimeoutError || e instanceof errors.BodyTimeoutError || e instanceof errors.ConnectTimeoutError) {
        return { ok: false, status: 504, message: "The upstream server is timed out" };
      }
      return { ok: false, status: 502, message: "An invalid response was received from the upstream server" };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
  }
}

/** What runloop/handler.lua's access phase computes for the X-Forwarded-Path/-Prefix headers. */
export interface ForwardedPaths {
  /** The request path without its query (2.2+), else null. */
  readonly path: string | null;
  /** 2.1.3+: the prefix the route stripped, unless it is `/`; 2.1.0-2.1.2: the request path; null: none. */
  readonly prefix: string | null;
}

/**
 * X-Forwarded-Path (2.2.0+) and X-Forwarded-Prefix (2.1.0+) as the access phase sets them
 * (runloop/handler.lua @2.6.0:1203-1213). The client's own values count only from trusted_ips,
 * which the stand-in leaves empty, so they are ignored.
 */
export function forwardedPaths(version: string, requestPath: string, strippedPrefix: string | null): ForwardedPaths {
  const path = atLeast(version, "2.2.0") ? requestPath : null;
  if (!atLeast(version, "2.1.0")) return { path, prefix: null };
  if (!atLeast(version, "2.1.3")) return { path, prefix: requestPath === "" ? "/" : requestPath };
  return { path, prefix: strippedPrefix !== null && strippedPrefix !== "/" ? strippedPrefix : null };
}

/**
 * Request headers for the upstream: the client's minus hop-by-hop, plus X-Forwarded-*. nginx's
 * `proxy_set_header` for X-Forwarded-Path/-Prefix (in the template from 2.2/2.1) replaces the
 * client's header, and an empty value sends none.
 */
export function upstreamHeaders(req: IncomingMessage, proxyPort: number, version: string, paths: ForwardedPaths): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  const ip = req.socket.remoteAddress ?? "127.0.0.1";
  const prior = req.headers["x-forwarded-for"];
  out["x-forwarded-for"] = prior ? `${String(prior)}, ${ip}` : ip;
  out["x-forwarded-proto"] = "http";
  out["x-forwarded-host"] = (req.headers.host ?? "").replace(/:\d+$/, "");
  out["x-forwarded-port"] = String(proxyPort);
  if (atLeast(version, "2.2.0")) delete out["x-forwarded-path"];
  if (paths.path !== null) out["x-forwarded-path"] = paths.path;
  if (atLeast(version, "2.1.0")) delete out["x-forwarded-prefix"];
  if (paths.prefix !== null) out["x-forwarded-prefix"] = paths.prefix;
  out["x-real-ip"] = ip;
  return out;
}

export function pipeBody(body: NodeJS.ReadableStream, res: ServerResponse): void {
  pipeline(body, res, () => undefined);
}
