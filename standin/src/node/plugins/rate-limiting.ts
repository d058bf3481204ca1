// rate-limiting (kong/plugins/rate-limiting/handler.lua): the access phase reads the usage, decides,
// and only then is the counter incremented, in a timer of its own, as Kong does. Nothing orders a
// node's read against another request's increment, on this node or any other, so requests close
// together all read the same count and overshoot the limit: the `cluster` policy's race between
// nodes that real Kong shows. Policy `cluster` keeps counters in the shared datastore
// (ratelimiting_metrics); `local` in this node's memory.
import type { ServerResponse } from "node:http";
import { atLeast } from "../../catalogue/entities.ts";
import type { CounterStore } from "../../db/types.ts";
import { log } from "../log.ts";
import type { ConfigField, ErrorTable } from "./config-schema.ts";
import type { PluginHandler } from "./context.ts";
import type { PluginSchema } from "./plugin-schema.ts";

export const PERIODS = ["second", "minute", "hour", "day", "month", "year"] as const;
export type Period = (typeof PERIODS)[number];

export interface RateLimitConfig {
  readonly limits: ReadonlyArray<[Period, number]>;
  readonly limit_by: string;
  readonly policy: string;
  readonly header_name: string | null;
  readonly hide_client_headers: boolean;
  readonly fault_tolerant: boolean;
}

export function rateLimitConfig(raw: Record<string, unknown>): RateLimitConfig {
  return {
    limits: PERIODS.filter((p) => typeof raw[p] === "number").map((p): [Period, number] => [p, raw[p] as number]),
    limit_by: typeof raw.limit_by === "string" ? raw.limit_by : "consumer",
    policy: typeof raw.policy === "string" ? raw.policy : "cluster",
    header_name: typeof raw.header_name === "string" ? raw.header_name : null,
    hide_client_headers: raw.hide_client_headers === true,
    fault_tolerant: raw.fault_tolerant !== false,
  };
}

/** Start of the period containing nowMs (UTC), and the seconds left in it. */
export function periodWindow(period: Period, nowMs: number): { startMs: number; resetS: number } {
  const d = new Date(nowMs);
  const starts: Record<Period, () => number> = {
    second: () => Math.floor(nowMs / 1000) * 1000,
    minute: () => Math.floor(nowMs / 60_000) * 60_000,
    hour: () => Math.floor(nowMs / 3_600_000) * 3_600_000,
    day: () => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()),
    month: () => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    year: () => Date.UTC(d.getUTCFullYear(), 0, 1),
  };
  const next: Record<Period, (s: number) => number> = {
    second: (s) => s + 1000, minute: (s) => s + 60_000, hour: (s) => s + 3_600_000, day: (s) => s + 86_400_000,
    month: () => Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), year: () => Date.UTC(d.getUTCFullYear() + 1, 0, 1),
  };
  const startMs = starts[period]();
  return { startMs, resetS: Math.max(1, Math.ceil((next[period](startMs) - nowMs) / 1000)) };
}

export interface Usage { readonly period: Period; readonly limit: number; readonly remaining: number; readonly resetS: number; readonly startMs: number }

export interface CounterKeyBase { identifier: string; routeId: string | null; serviceId: string | null }

const localCounters = new Map<string, number>();
const localKey = (b: CounterKeyBase, p: string, s: number): string => `${b.identifier}|${p}|${s}|${b.routeId}|${b.serviceId}`;

export async function usage(conf: RateLimitConfig, base: CounterKeyBase, store: CounterStore, nowMs: number): Promise<Usage[]> {
  return Promise.all(conf.limits.map(async ([period, limit]) => {
    const { startMs, resetS } = periodWindow(period, nowMs);
    const current = conf.policy === "cluster"
      ? await store.get({ ...base, period, periodStartMs: startMs })
      : localCounters.get(localKey(base, period, startMs)) ?? 0;
    return { period, limit, remaining: limit - current, resetS, startMs };
  }));
}

export async function increment(conf: RateLimitConfig, base: CounterKeyBase, store: CounterStore, used: readonly Usage[]): Promise<void> {
  if (conf.policy !== "cluster") {
    for (const u of used) { const k = localKey(base, u.period, u.startMs); localCounters.set(k, (localCounters.get(k) ?? 0) + 1); }
    return;
  }
  await Promise.all(used.map((u) => store.increment({ ...base, period: u.period, periodStartMs: u.startMs }, 1)));
}

/**
 * When Kong starts the increment: up to 2.2 the access phase leaves a closure that the log phase runs
 * (`kong.ctx.plugin.timer`), i.e. once the response has been sent; from 2.3 the access phase creates
 * the timer itself (`timer_at(0, increment, …)`), which runs as soon as the request yields, before
 * the upstream answers. Either way a later request can read the usage before the increment landed.
 */
export function incrementsAfterResponse(version: string): boolean {
  return !atLeast(version, "2.3.0");
}

/** Starts `run` (the increment) when this version's Kong would: after the response, or at once. */
export function scheduleIncrement(version: string, res: ServerResponse, run: () => Promise<void>): void {
  const start = (): void => { setImmediate(() => { void run().catch(() => undefined); }); };
  if (incrementsAfterResponse(version)) res.once("close", start);
  else start();
}

const cap = (p: string): string => p[0]!.toUpperCase() + p.slice(1);

/** Response headers for the usage; 1.5 used lowercase period names and had no RateLimit-* headers. */
export function rateLimitHeaders(version: string, used: readonly Usage[], stop: Period | null): Record<string, string> {
  const modern = atLeast(version, "2.0.0");
  const h: Record<string, string> = {};
  let best: { limit: number; remaining: number; reset: number } | null = null;
  for (const u of used) {
    const remaining = Math.max(0, stop === null || stop === u.period ? u.remaining - 1 : u.remaining);
    h[`X-RateLimit-Limit-${modern ? cap(u.period) : u.period}`] = String(u.limit);
    h[`X-RateLimit-Remaining-${modern ? cap(u.period) : u.period}`] = String(remaining);
    if (!best || remaining < best.remaining || (remaining === best.remaining && u.resetS > best.reset)) best = { limit: u.limit, remaining, reset: u.resetS };
  }
  if (modern && best) {
    h["RateLimit-Limit"] = String(best.limit);
    h["RateLimit-Remaining"] = String(best.remaining);
    h["RateLimit-Reset"] = String(best.reset);
  }
  return h;
}

/** The first period whose limit is used up, or null. */
export function exceeded(used: readonly Usage[]): Period | null {
  return used.find((u) => u.remaining <= 0)?.period ?? null;
}

const RATE_LIMITING_FIELDS: readonly ConfigField[] = [
  ...PERIODS.map((name) => ({ name, default: null })),
  { name: "limit_by", default: "consumer" },
  { name: "header_name", default: null, since: "2.1.0" },
  { name: "path", default: null, since: "2.2.0" },
  { name: "policy", default: "cluster" },
  { name: "fault_tolerant", default: true, required: true },
  { name: "redis_host", default: null },
  { name: "redis_port", default: 6379 },
  { name: "redis_password", default: null },
  { name: "redis_username", default: null, since: "2.8.0" },
  { name: "redis_ssl", default: false, required: true, since: "2.7.0" },
  { name: "redis_ssl_verify", default: false, required: true, since: "2.7.0" },
  { name: "redis_server_name", default: null, since: "2.7.0" },
  { name: "redis_timeout", default: 2000 },
  { name: "redis_database", default: 0 },
  { name: "hide_client_headers", default: false, required: true },
];

/** `limit_by` values per version: `header` from 2.1.0, `path` from 2.2.0. */
function limitByChoices(version: string): string[] {
  return ["consumer", "credential", "ip", "service", ...(atLeast(version, "2.1.0") ? ["header"] : []), ...(atLeast(version, "2.2.0") ? ["path"] : [])];
}

/** rate-limiting's schema.lua: the periods, policy and limit_by checks. */
export const rateLimitingSchema: PluginSchema = {
  fields: RATE_LIMITING_FIELDS,
  check(config, version) {
    const errors: ErrorTable = {};
    for (const p of PERIODS) {
      const v = config[p];
      if (v !== null && (typeof v !== "number" || v <= 0)) errors[p] = typeof v !== "number" ? "expected a number" : "value must be greater than 0";
    }
    const entity = PERIODS.every((p) => config[p] === null)
      ? ["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"] : [];
    if (!["local", "cluster", "redis"].includes(String(config.policy))) errors.policy = "expected one of: local, cluster, redis";
    const limitBy = limitByChoices(version);
    if (!limitBy.includes(String(config.limit_by))) errors.limit_by = `expected one of: ${limitBy.join(", ")}`;
    return { entity, config: errors };
  },
};

interface RateLimitState { headers?: Record<string, string> }

/**
 * rate-limiting in the pipeline (PRIORITY 901, 910 from 3.0). The headers computed in access go on
 * whatever answer follows (header_filter up to 2.2, kong.response.set_headers in access from 2.3:
 * the same answers carry them).
 */
export const rateLimitingPlugin: PluginHandler<RateLimitConfig> = {
  name: "rate-limiting",
  priority: (version) => (atLeast(version, "3.0.0") ? 910 : 901),
  parse: (config) => rateLimitConfig(config),
  async access(conf, ctx, node) {
    const consumer = ctx.consumer, credential = ctx.credential;
    const serviceId = String(ctx.service.id);
    let identifier: string | null =
      conf.limit_by === "consumer" ? String((consumer ?? credential)?.id ?? "") || null
      : conf.limit_by === "credential" ? (credential ? String(credential.id) : null)
      : conf.limit_by === "service" ? serviceId
      : conf.limit_by === "header" && conf.header_name ? (ctx.req.headers[conf.header_name.toLowerCase()] as string | undefined) ?? null
      : null;
    identifier ??= ctx.req.socket.remoteAddress ?? "127.0.0.1";
    // Fault `counter-format-split`: this version keys its counters differently, so two clusters count apart.
    if (node.faults.active("counter-format-split", "plugins")) identifier = `${node.version}|${identifier}`;
    const base: CounterKeyBase = { identifier, routeId: String(ctx.route.id), serviceId };
    let used: Usage[];
    try {
      used = await usage(conf, base, node.ds.counters, Date.now());
    } catch (e) {
      // fault_tolerant (default): proxy without limiting when the counters cannot be read, as Kong does.
      log("error", `[rate-limiting] failed to get usage: ${(e as Error).message}`);
      return conf.fault_tolerant ? undefined : { status: 500, form: "exit", message: "An unexpected error occurred" };
    }
    const stop = exceeded(used);
    const headers = conf.hide_client_headers ? {} : rateLimitHeaders(node.version, used, stop);
    if (stop) {
      const reset = headers["RateLimit-Reset"];
      return { status: 429, form: "exit", message: "API rate limit exceeded", headers: reset ? { ...headers, "Retry-After": reset } : headers };
    }
    scheduleIncrement(node.version, ctx.res, () => increment(conf, base, node.ds.counters, used));
    (ctx.plugin("rate-limiting") as RateLimitState).headers = headers;
    return undefined;
  },
  headerFilter(_conf, ctx, res, node) {
    const headers = (ctx.plugin("rate-limiting") as RateLimitState).headers;
    // Fault `response-headers-dropped`: proxied answers lose the rate-limiting headers.
    if (!headers || (!res.generated && node.faults.active("response-headers-dropped") !== undefined)) return;
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  },
};
