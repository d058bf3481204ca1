// The HAProxy configuration the harness generates per run: one frontend on 127.0.0.1 that splits
// requests between a `blue` and a `green` backend (one per cluster, round-robin over its nodes),
// retries and health checks as operators configure them, live weights, drains and nodes through
// the Runtime API, and request records as JSON lines forwarded over TCP to the harness (a ring
// buffers them when the harness reads late, so none is lost to a full socket).
import type { ClusterName } from "../nodes.ts";

export const FRONTEND = "kuh";
/** Path HAProxy answers itself: a request the harness sends to know every earlier record arrived. */
export const LOG_SYNC_PATH = "/__kuh-log-sync";
/** The map holding the green weight; `set map` changes it for the next request. */
export const WEIGHTS_MAP = "/usr/local/etc/haproxy/weights.map";
export const GREEN_KEY = "green";

/** The weights map's content at start. */
export const weightsMap = (green: number): string => `${GREEN_KEY} ${green}\n`;

export interface HaproxyServer {
  readonly cluster: ClusterName;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Where its checks go when they are not on the proxy port. */
  readonly checkPort?: number;
}

export interface HaproxyHealthCheck {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** `fall`: failed checks in a row that take a server out. */
  readonly unhealthyThreshold: number;
  /** `rise`: passed checks in a row that put it back. */
  readonly healthyThreshold: number;
  /** The status a healthy node answers; absent: any status below 500 (Kong's 404 "no Route matched" included). */
  readonly expectStatus?: number;
  /** Checks go to each node's Admin API port (`check port`), not its proxy. */
  readonly onAdminPort?: boolean;
}

export interface HaproxyRetries {
  /** `retries`: further attempts after a failed one; 0 turns retries off. */
  readonly count: number;
  /** Also retry a request whose connection closed before any byte of the answer (`retry-on empty-response`). */
  readonly beforeAnswer: boolean;
}

export interface HaproxyConfigOptions {
  readonly frontendPort: number;
  readonly runtimeApiPort: number;
  readonly logPort: number;
  readonly servers: readonly HaproxyServer[];
  /** The green weight at start (percent). */
  readonly green: number;
  readonly timeoutMs: number;
  readonly retries: HaproxyRetries;
  readonly healthCheck?: HaproxyHealthCheck;
}

/** Headers the records carry: the probe name (what answer is expected) and who sent it. */
export const PROBE_HEADER = "x-kuh-probe";
export const SOURCE_HEADER = "x-kuh-source";

/**
 * One JSON object per request, written as it ends. Times: `end` now (epoch µs), `ta` the request's
 * active time (ms, from its first byte to the answer's last), `th` handshake, `ti` idle time before
 * the request on a kept-alive connection, `tc` connect, `tr` the node's answer headers; `ts` the
 * termination state, `rc` retries ("+" when redispatched), `gw` the green weight the request was
 * split under, `be` the backend (cluster) it went to. `%{+E}` escapes quotes and backslashes.
 */
export const LOG_FORMAT = [
  `"end":%[date(0,us)]`, `"th":%Th`, `"ti":%Ti`, `"tq":%TR`, `"tw":%Tw`, `"tc":%Tc`, `"tr":%Tr`, `"ta":%Ta`,
  `"be":"%{+E}b"`, `"gw":"%[var(txn.green)]"`, `"srv":"%{+E}s"`, `"st":%ST`, `"ts":"%ts"`, `"rc":"%rc"`, `"m":"%{+E}HM"`, `"u":"%{+E}HU"`,
  `"probe":"%{+E}[var(txn.probe)]"`, `"src":"%{+E}[var(txn.source)]"`, `"id":%rt`,
].join(",");

export function renderHaproxyConfig(o: HaproxyConfigOptions): string {
  const hc = o.healthCheck;
  const retryOn = o.retries.beforeAnswer ? "conn-failure empty-response" : "conn-failure";
  const lines = [
    "global",
    // One thread, as the benchmark measures it: records leave in the order requests ended.
    "  nbthread 1",
    // Within the container's file limit (HAProxy needs two descriptors per connection).
    "  maxconn 5000",
    `  log ring@records len 8192 format raw local0`,
    `  stats socket ipv4@127.0.0.1:${o.runtimeApiPort} level admin`,
    "",
    "ring records",
    "  format raw",
    "  maxlen 8192",
    // 16 MB: about 40,000 records if the harness stops reading for a while.
    "  size 16777216",
    "  timeout connect 5s",
    "  timeout server 60s",
    `  server harness 127.0.0.1:${o.logPort}`,
    "",
    "defaults",
    "  mode http",
    "  log global",

    // A connection that carried no request (a client closing an idle kept-alive one) is no record.
    "  option dontlognull",
    "  option http-keep-alive",
    // A client that gave up aborts its request to the node too (nginx's proxy_ignore_client_abort off).
    "  option abortonclose",
    "  timeout connect 5s",
    "  timeout client 120s",
    `  timeout server ${o.timeoutMs}`,
    "  timeout http-keep-alive 65s",
    "  timeout http-request 30s",
    ...(hc ? [`  timeout check ${hc.timeoutMs}`] : []),
    "",
    // The split counter: one entry, incremented by every request.
    "backend split_counter",
    "  stick-table type integer size 1 store gpc0",
    "",
    `frontend ${FRONTEND}`,
    `  bind 127.0.0.1:${o.frontendPort}`,
    `  http-request return status 204 if { path_beg ${LOG_SYNC_PATH} }`,
    `  http-request set-var(txn.probe) req.hdr(${PROBE_HEADER})`,
    `  http-request set-var(txn.source) req.hdr(${SOURCE_HEADER})`,
    // A smooth split: the n-th request goes to green when floor(n*g/100) > floor((n-1)*g/100), so
    // any run of k requests sends k*g/100 of them (within one) to green, at every weight.
    "  http-request track-sc0 int(1) table split_counter",
    "  http-request set-var(txn.n) sc0_inc_gpc0",
    `  http-request set-var(txn.green) str(${GREEN_KEY}),map_str_int(${WEIGHTS_MAP},0)`,
    "  http-request set-var(txn.upto) var(txn.n),mul(txn.green),div(100)",
    "  http-request set-var(txn.before) var(txn.n),sub(1),mul(txn.green),div(100)",
    `  log-format '{${LOG_FORMAT}}'`,
    "  use_backend green if { var(txn.upto),sub(txn.before) gt 0 }",
    "  default_backend blue",
    ...(["blue", "green"] as const).flatMap((cluster) => [
      "",
      `backend ${cluster}`,
      "  balance roundrobin",
      // Idle connections to the nodes are kept and shared between requests, as nginx's keepalive does.
      "  http-reuse safe",
      `  retries ${o.retries.count}`,
      ...(o.retries.count > 0 ? [`  retry-on ${retryOn}`, "  option redispatch 1"] : []),
      ...(hc ? [
        "  option httpchk",
        `  http-check send meth GET uri ${hc.path} hdr ${PROBE_HEADER} health-check`,
        hc.expectStatus !== undefined ? `  http-check expect status ${hc.expectStatus}` : "  http-check expect rstatus ^[1-4]",
      ] : []),
      "  http-response set-header x-kuh-node %s",
      `  http-response set-header x-kuh-cluster ${cluster}`,
      ...o.servers.filter((s) => s.cluster === cluster).map((s) => `  server ${s.name} ${s.host}:${s.port} ${serverOptions(hc, s.checkPort)}`),
    ]),
    "",
  ];
  return lines.join("\n");
}

/** The `server` line options a node added at run time gets (`add server`), the same as at start. */
export function serverOptions(hc: HaproxyHealthCheck | undefined, checkPort?: number): string {
  return `weight 100${hc ? ` check inter ${hc.intervalMs} fall ${hc.unhealthyThreshold} rise ${hc.healthyThreshold}${checkPort !== undefined ? ` port ${checkPort}` : ""}` : ""}`;
}
