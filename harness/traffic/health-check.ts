// Active health checks in HAProxy's terms: `option httpchk` with `http-check send` on a path of
// each node's proxy port, `http-check expect`, and `inter` / `fall` / `rise` / `timeout check`.
import type { HaproxyHealthCheck } from "./haproxy/config.ts";

export interface HealthCheckOptions {
  /** Path requested on each node. */
  readonly path?: string;
  /** Which of the node's ports is checked: its proxy (default) or its Admin API (`GET /status`, Kong's readiness endpoint). */
  readonly port?: "proxy" | "admin";
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  /** Failed checks in a row that take a node out (`fall`). */
  readonly unhealthyThreshold?: number;
  /** Passed checks in a row that put it back (`rise`). */
  readonly healthyThreshold?: number;
  /** The status a healthy node answers (`http-check expect status`); default any status below 500 (Kong's 404 "no Route matched" included). */
  readonly expectStatus?: number;
}

export type NormalizedHealthCheck = HaproxyHealthCheck;

export function normalizeHealthCheck(o: HealthCheckOptions): NormalizedHealthCheck {
  return {
    path: o.path ?? "/", intervalMs: o.intervalMs ?? 1_000, timeoutMs: o.timeoutMs ?? 1_000, unhealthyThreshold: o.unhealthyThreshold ?? 2, healthyThreshold: o.healthyThreshold ?? 2,
    ...(o.expectStatus !== undefined ? { expectStatus: o.expectStatus } : {}),
    ...(o.port === "admin" ? { onAdminPort: true } : {}),
  };
}
