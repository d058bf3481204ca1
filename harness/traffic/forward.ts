// One proxied request: pick a cluster (weights) and a node (round-robin), forward, stream the
// answer back, and describe what happened as a RequestRecord. Transport failures are data:
// connect / reset / timeout / no-backend, answered 502 / 502 / 504 / 503 when no answer started.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { RequestLine } from "../checks/records.ts";
import type { Backends, ClusterName, NodeState } from "./backends.ts";
import type { Clock } from "./clock.ts";
import type { RetrySettings } from "./started-load-balancer.ts";

export const PROBE_HEADER = "x-kuh-probe";
export const SOURCE_HEADER = "x-kuh-source";

type TransportError = "connect" | "reset" | "timeout";

export interface ForwardContext {
  readonly clock: Clock;
  readonly backends: Backends;
  readonly timeoutMs: number;
  readonly retries: RetrySettings;
  /** Route to unhealthy nodes when none of a cluster is healthy (see HealthCheckOptions.panicWhenAllUnhealthy). */
  readonly panic: boolean;
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
  const source = header(req, SOURCE_HEADER);
  const base = { seq, startMs, probe: header(req, PROBE_HEADER) ?? "", method, path: req.url ?? "/", cluster, greenWeight, ...(source !== undefined ? { source } : {}) };
  let body: Buffer | undefined;
  try {
    body = await readBody(req);
  } catch {
    // The client broke off while sending its body: nothing was forwarded, but the seq is accounted for.
    ctx.complete({ ...base, endMs: ctx.clock.now(), node: null, status: null, error: "reset", attempts: 0, clientStatus: null });
    return;
  }
  const up: Upstream = { method, path: base.path, headers: forwardHeaders(req), body };
  const { node, outcome, attempts } = await tryNodes(ctx, cluster, up, res);
  const error = outcome.error ?? (outcome.status === null ? "no-backend" : undefined);
  try {
    ctx.complete({
      ...base, endMs: ctx.clock.now(), node: node?.name ?? null, status: outcome.status, ...(error !== undefined ? { error } : {}),
      attempts, clientStatus: outcome.clientStatus,
    });
  } finally {
    // The node counts the request in flight until its record is written, so a drain that resolved
    // has every record of the drained node.
    if (node) release(ctx, node);
  }
}

function release(ctx: ForwardContext, node: NodeState): void {
  node.inFlight--;
  ctx.released();
}

/**
 * A failed try another node may take over (nginx's proxy_next_upstream "error"): a connect failure
 * sent nothing, so any method may go elsewhere; a connection broken before any byte of the answer
 * may have reached the node, so only an idempotent request is sent again.
 */
function retryable(outcome: Outcome, res: ServerResponse, retries: RetrySettings, idempotent: boolean): boolean {
  if (outcome.error === "connect") return true;
  return outcome.error === "reset" && idempotent && retries.beforeAnswer === true && outcome.status === null && !res.headersSent;
}

/** The next node to try: the chosen cluster first, then (acrossClusters, on a retry) the other one. */
function pickNext(ctx: ForwardContext, cluster: ClusterName, tried: ReadonlySet<string>): NodeState | undefined {
  const own = ctx.backends.pick(cluster, tried, ctx.panic);
  if (own || tried.size === 0 || !ctx.retries.acrossClusters) return own;
  return ctx.backends.pick(cluster === "blue" ? "green" : "blue", tried, ctx.panic);
}

/** Tries the cluster's nodes (retrying idempotent requests on connect failure) and makes sure the client got an answer. */
async function tryNodes(ctx: ForwardContext, cluster: ClusterName, up: Upstream, res: ServerResponse): Promise<{ node?: NodeState; outcome: Outcome; attempts: number }> {
  const tried = new Set<string>();
  const idempotent = IDEMPOTENT.has(up.method);
  const maxAttempts = 1 + ctx.retries.onConnectFailure;
  let node: NodeState | undefined;
  let outcome: Outcome | undefined;
  for (;;) {
    const next = pickNext(ctx, cluster, tried);
    if (!next) break;
    if (node) release(ctx, node); // its try failed before any answer; retried on `next`
    node = next;
    tried.add(node.name);
    outcome = await attempt(ctx, node, up, res);
    if (!retryable(outcome, res, ctx.retries, idempotent)) break;
    ctx.connectFailed(node);
    if (tried.size >= maxAttempts) break;
  }
  if (!node || !outcome) {
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(503, { "content-type": "text/plain", "x-kuh-cluster": cluster }).end(`kuh-lb: no backend available in cluster ${cluster}\n`);
    }
    return { outcome: { status: null, clientStatus: 503 }, attempts: 0 };
  }
  if (outcome.error !== undefined && !res.headersSent && !res.destroyed) {
    const clientStatus = outcome.error === "timeout" ? 504 : 502;
    res.writeHead(clientStatus, { "content-type": "text/plain", "x-kuh-cluster": cluster, "x-kuh-node": node.name })
      .end(`kuh-lb: ${outcome.error} error on node ${node.name}\n`);
    outcome = { ...outcome, clientStatus };
  }
  return { node, outcome, attempts: tried.size };
}

interface Upstream {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
}

/** One try on one node; the node's in-flight count stays raised until the caller releases it. */
function attempt(ctx: ForwardContext, node: NodeState, up: Upstream, res: ServerResponse): Promise<Outcome> {
  node.inFlight++;
  return dispatch(node, up, res, ctx.timeoutMs);
}

/** The client went away before the answer was complete (its own timeout, usually). */
class ClientGone extends Error {}

/** undici's low-level dispatch: the answer is written straight into the client's response. */
function dispatch(node: NodeState, up: Upstream, res: ServerResponse, timeoutMs: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let status: number | null = null;
    let controller: Dispatcher.DispatchController | undefined;
    const onClose = (): void => void (res.writableFinished || controller?.abort(new ClientGone()));
    const finish = (o: Outcome): void => {
      res.off("close", onClose);
      resolve(o);
    };
    res.once("close", onClose);
    const options: Dispatcher.DispatchOptions = { method: up.method as Dispatcher.HttpMethod, path: up.path, headers: up.headers, body: up.body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
    node.pool.dispatch(options, {
      onRequestStart: (c) => void (controller = c),
      onResponseStart: (_c, statusCode, headers) => {
        status = statusCode;
        res.writeHead(statusCode, responseHeaders(headers, node));
      },
      onResponseData: (c, chunk) => {
        if (res.write(chunk)) return;
        c.pause();
        res.once("drain", () => c.resume());
      },
      onResponseEnd: () => {
        res.end();
        finish({ status, clientStatus: status });
      },
      onResponseError: (_c, err) => {
        const started = res.headersSent;
        if (started) res.destroy(); // the client sees the answer break, as it did
        // A client that left before the answer ended is recorded as a timeout: it gave up waiting.
        finish({ status, error: err instanceof ClientGone ? "timeout" : errorKind(err), clientStatus: started ? null : status });
      },
    });
  });
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
