// Sending a matched request to its upstream over keep-alive connection pools (undici), and turning
// upstream failures into Kong's responses: 502 invalid response, 504 timed out.
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { Pool, errors, type Dispatcher } from "undici";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect", "host"]);

export interface ForwardPlan {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly hostHeader: string;
  readonly headers: Record<string, string | string[]>;
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
    try {
      const res = await this.pool(plan.host, plan.port, plan.connectTimeoutMs).request({
        method: req.method as Dispatcher.HttpMethod, path: plan.path,
        headers: { ...plan.headers, host: plan.hostHeader }, body: hasBody ? req : null,
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

/** Request headers for the upstream: the client's minus hop-by-hop, plus X-Forwarded-*. */
export function upstreamHeaders(req: IncomingMessage, proxyPort: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  const ip = req.socket.remoteAddress ?? "127.0.0.1";
  const prior = req.headers["x-forwarded-for"];
  out["x-forwarded-for"] = prior ? `${String(prior)}, ${ip}` : ip;
  out["x-forwarded-proto"] = "http";
  out["x-forwarded-host"] = (req.headers.host ?? "").replace(/:\d+$/, "");
  out["x-forwarded-port"] = String(proxyPort);
  out["x-real-ip"] = ip;
  return out;
}

export function pipeBody(body: NodeJS.ReadableStream, res: ServerResponse): void {
  pipeline(body, res, () => undefined);
}
