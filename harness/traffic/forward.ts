// One proxied request: pick a cluster (weights) and a node (round-robin), forward, stream the
// answer back, and describe what happened as a RequestRecord. Transport failures are data:
// connect / reset / timeout / no-backend, answered 502 / 502 / 504 / 503 when no answer started.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { RequestLine } from "../checks/records.ts";
import type { Backends, ClusterName, NodeState } from "./backends.ts";
import type { Clock } from "./clock.ts";

export const PROBE_HEADER = "x-kuh-probe";
export const SOURCE_HEADER = "x-kuh-source";

type TransportError = "connect" | "reset" | "timeout";

export interface ForwardContext {
  readonly clock: Clock;
  readonly backends: Backends;
  readonly timeoutMs: number;
  readonly retriesOnConnectFailure: number;
  nextSeq(): number;
  /** The cluster for the next request (smooth WRR) and the green weight it was chosen under. */
  choose(): { readonly cluster: ClusterName; readonly greenWeight: number };
  /** A connect failure on a node (passive health signal). */
  connectFailed(node: NodeState): void;
  /** A node's in-flight count went down (drains wait on this). */
  released(): void;
  complete(record: RequestLine): void;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const CONNECT_CODES = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "ENOTFOUND"]);

interface Outcome {
  status: number | null;
  error?: TransportError;
  clientStatus: number | null;
}

export async function forward(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const seq = ctx.nextSeq();
  const startMs = ctx.clock.now();
  const { cluster, greenWeight } = ctx.choose();
  const method = req.method ?? "GET";
  const base = { seq, startMs, probe: header(req, PROBE_HEADER) ?? "", method, path: req.url ?? "/", cluster, greenWeight };
  const source = header(req, SOURCE_HEADER);
  const body = await readBody(req);
  const headers = forwardHeaders(req);
  const tried = new Set<string>();
  let node: NodeState | undefined;
  let outcome: Outcome | undefined;
  const maxAttempts = 1 + (IDEMPOTENT.has(method) ? ctx.retriesOnConnectFailure : 0);
  while (tried.size < maxAttempts) {
    const next = ctx.backends.pick(cluster, tried);
    if (!next) break;
    node = next;
    tried.add(node.name);
    outcome = await attempt(ctx, node, { method, path: base.path, headers, body }, res);
    if (outcome.error !== "connect") break;
    ctx.connectFailed(node);
  }
  if (!outcome) {
    const text = `kuh-lb: no backend available in cluster ${cluster}\n`;
    if (!res.headersSent) res.writeHead(503, { "content-type": "text/plain", "x-kuh-cluster": cluster }).end(text);
    outcome = { status: null, clientStatus: 503 };
  } else if (outcome.error !== undefined && !res.headersSent) {
    const clientStatus = outcome.error === "timeout" ? 504 : 502;
    res.writeHead(clientStatus, { "content-type": "text/plain", "x-kuh-cluster": cluster, "x-kuh-node": node?.name ?? "" })
      .end(`kuh-lb: ${outcome.error} error on node ${node?.name}\n`);
    outcome.clientStatus = clientStatus;
  }
  const error = outcome.status === null && outcome.error === undefined ? "no-backend" as const : outcome.error;
  const record: RequestLine = {
    ...base, endMs: ctx.clock.now(), node: error === "no-backend" ? null : node?.name ?? null, status: outcome.status,
    ...(error !== undefined ? { error } : {}), attempts: tried.size, clientStatus: outcome.clientStatus, ...(source !== undefined ? { source } : {}),
  };
  ctx.complete(record);
}

interface Upstream {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
}

async function attempt(ctx: ForwardContext, node: NodeState, up: Upstream, res: ServerResponse): Promise<Outcome> {
  node.inFlight++;
  let status: number | null = null;
  try {
    // stream(): the answer's body is written straight into the client's response, with backpressure.
    await node.pool.stream(
      { method: up.method as Dispatcher.HttpMethod, path: up.path, headers: up.headers, body: up.body, headersTimeout: ctx.timeoutMs, bodyTimeout: ctx.timeoutMs },
      ({ statusCode, headers }) => {
        status = statusCode;
        res.writeHead(statusCode, responseHeaders(headers, node));
        return res;
      },
    );
    return { status, clientStatus: status };
  } catch (e) {
    // After the answer started, undici has destroyed the client's response: it sees the break as it was.
    return { status, error: errorKind(e), clientStatus: res.headersSent ? null : status };
  } finally {
    node.inFlight--;
    ctx.released();
  }
}

function errorKind(e: unknown): TransportError {
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
  if (CONNECT_CODES.has(code)) return "connect";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "timeout";
  return "reset"; // ECONNRESET, UND_ERR_SOCKET ("other side closed"), EPIPE, anything that broke the exchange
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function forwardHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === "content-length") continue;
    out[k] = v;
  }
  return out;
}

function responseHeaders(headers: Record<string, string | string[] | undefined>, node: NodeState): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  out["x-kuh-cluster"] = node.cluster;
  out["x-kuh-node"] = node.name;
  return out;
}

/** Buffers the request body so an idempotent request can be retried on another node. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
