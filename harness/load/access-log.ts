// An access log replayed as load. Kong's proxy access log has no log_format of its own (1.5 to 3.0:
// `access_log ${{PROXY_ACCESS_LOG}}` in nginx_kong.lua), so it is nginx's "combined" format:
//   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
// Fields after those (custom formats often append some) are ignored. Each request becomes an event
// at its offset from the log's first request, divided by the speed-up; each request shape (method,
// host when the request line names one, path without query, numeric and UUID-like segments folded
// to one shape) becomes a probe, baselined on the old cluster like every other probe.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InvalidConfigError } from "../errors.ts";
import type { Probe } from "../scenario/seed.ts";

export interface LogRequest {
  /** 1-based line number in the file. */
  readonly line: number;
  /** $time_local as epoch ms (one-second resolution). */
  readonly timeMs: number;
  readonly method: string;
  /** Path with its original query, as logged. */
  readonly target: string;
  /** Present when the request line was absolute-form ("GET http://shop.example/cart HTTP/1.1"). */
  readonly host?: string;
}

export interface ParsedAccessLog {
  readonly requests: readonly LogRequest[];
  /** Well-formed lines whose request cannot be replayed ("-", a TLS handshake on a plain port, "CONNECT host:443"). */
  readonly skipped: number;
}

export interface ReplayEvent {
  /** When to send it: ms after the replay starts, already divided by the speed-up. */
  readonly offsetMs: number;
  readonly method: string;
  /** Original path and query, without the probe parameter. */
  readonly target: string;
  /** Name of the probe (request shape) the request is judged as. */
  readonly probe: string;
}

export interface AccessLogReplay {
  readonly kind: "access-log";
  /** The file, as given. */
  readonly source: string;
  readonly speed: number;
  /** Every replayed request, by offset. */
  readonly events: readonly ReplayEvent[];
  /** One per request shape; their answers are learned on the old cluster before `up`. */
  readonly probes: readonly Probe[];
  /** The replay loops with this period (scaled): the log's span plus its mean gap between requests. */
  readonly periodMs: number;
  readonly skipped: number;
  describe(): string;
}

export interface AccessLogReplayOptions {
  readonly file: string | URL;
  /** Speed-up: 4 = four times faster than logged. Default 1. */
  readonly speed?: number;
  /** Most distinct request shapes (probes) a replay may have. Default 200. */
  readonly maxShapes?: number;
}

export const DEFAULT_MAX_SHAPES = 200;
const FORMAT = `nginx "combined" ($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent")`;
const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const COMBINED = new RegExp(String.raw`^(\S+) - (\S+) \[([^\]]+)\] ${QUOTED} (\d{3}) (\d+|-) ${QUOTED} ${QUOTED}(?:\s.*)?$`);
const TIME_LOCAL = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const METHOD = /^[A-Z][A-Z-]*$/;
const MALFORMED_SHOWN = 5;

/** "10/Oct/2000:13:55:36 -0700" as epoch ms; undefined when it is not that. */
export function parseTimeLocal(text: string): number | undefined {
  const m = TIME_LOCAL.exec(text);
  if (!m) return undefined;
  const [, day, mon, year, h, min, s, sign, oh, om] = m;
  const month = MONTHS.indexOf(mon!);
  if (month < 0) return undefined;
  const utc = Date.UTC(Number(year), month, Number(day), Number(h), Number(min), Number(s));
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === "-" ? -1 : 1);
  return Number.isNaN(utc) ? undefined : utc - offsetMs;
}

/** The request line's method, target and host; undefined when it is not a replayable HTTP request. */
function requestOf(request: string): Pick<LogRequest, "method" | "target" | "host"> | undefined {
  const parts = request.split(" ");
  if (parts.length < 2 || parts.length > 3 || !METHOD.test(parts[0]!)) return undefined;
  const [method, target] = parts as [string, string];
  if (target.startsWith("/")) return { method, target };
  const absolute = /^https?:\/\/([^/?#]+)(\/[^#]*)?$/i.exec(target);
  if (!absolute) return undefined;
  return { method, target: absolute[2] ?? "/", host: absolute[1]! };
}

/**
 * Every line of a combined-format log. A line that is not in the format is an error naming its
 * line number (all of them, up to a few): a replay that dropped lines silently would not send what
 * the log says. Blank lines are ignored; well-formed lines whose request is not HTTP are counted.
 */
export function parseAccessLog(text: string, source: string): ParsedAccessLog {
  const requests: LogRequest[] = [];
  const malformed: string[] = [];
  let skipped = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const m = COMBINED.exec(raw);
    const timeMs = m ? parseTimeLocal(m[3]!) : undefined;
    if (!m || timeMs === undefined) {
      malformed.push(`line ${i + 1}: ${raw.length > 80 ? `${raw.slice(0, 80)}...` : raw}`);
      return;
    }
    const request = requestOf(m[4]!);
    if (request) requests.push({ line: i + 1, timeMs, ...request });
    else skipped++;
  });
  if (malformed.length > 0) {
    const more = malformed.length > MALFORMED_SHOWN ? ` (and ${malformed.length - MALFORMED_SHOWN} more)` : "";
    throw new InvalidConfigError([`access log ${source}: not in ${FORMAT} format at ${malformed.slice(0, MALFORMED_SHOWN).join("; ")}${more}`]);
  }
  if (requests.length === 0) throw new InvalidConfigError([`access log ${source} has no request to replay${skipped === 0 ? "" : skipped === 1 ? " (1 line was not an HTTP request)" : ` (${skipped} lines were not HTTP requests)`}`]);
  return { requests, skipped };
}

const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** "GET /catalog/products/42?x=1" -> "GET /catalog/products/:id": requests judged as one probe. */
export function requestShape(r: Pick<LogRequest, "method" | "target" | "host">): string {
  const path = r.target.split("?")[0]!.split("/").map((s) => (ID_SEGMENT.test(s) ? ":id" : s)).join("/");
  return `${r.method} ${r.host ?? ""}${path}`;
}

function slugOf(r: Pick<LogRequest, "method" | "target">): string {
  const path = r.target.split("?")[0]!.split("/").map((s) => (ID_SEGMENT.test(s) ? "id" : s)).join("-");
  const slug = path.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  return `log-${r.method.toLowerCase()}-${slug || "root"}`;
}

/** The target with the probe parameter that names its probe in every request. */
export const withProbeParam = (target: string, probe: string): string => `${target}${target.includes("?") ? "&" : "?"}probe=${probe}`;

/** Offsets from the first request; requests logged in the same second are spread evenly over it, in log order. */
function offsetsOf(requests: readonly LogRequest[]): number[] {
  const first = Math.min(...requests.map((r) => r.timeMs));
  const perSecond = new Map<number, number>();
  for (const r of requests) perSecond.set(r.timeMs, (perSecond.get(r.timeMs) ?? 0) + 1);
  const seen = new Map<number, number>();
  return requests.map((r) => {
    const i = seen.get(r.timeMs) ?? 0;
    seen.set(r.timeMs, i + 1);
    return r.timeMs - first + (i * 1000) / perSecond.get(r.timeMs)!;
  });
}

export function buildReplay(parsed: ParsedAccessLog, options: { readonly source: string; readonly speed: number; readonly maxShapes: number }): AccessLogReplay {
  const { source, speed, maxShapes } = options;
  const probes = new Map<string, Probe>();
  const names = new Set<string>();
  const probeFor = (r: LogRequest): Probe => {
    const shape = requestShape(r);
    const known = probes.get(shape);
    if (known) return known;
    if (probes.size >= maxShapes) {
      throw new InvalidConfigError([`access log ${source} has more than ${maxShapes} distinct request shapes (method and path, numeric ids folded; line ${r.line} is one too many): replay an excerpt, or raise maxShapes`]);
    }
    const base = slugOf(r);
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base}-${n}`;
    names.add(name);
    const probe: Probe = {
      name, method: r.method, path: withProbeParam(r.target, name),
      headers: { "x-kuh-probe": name, ...(r.host ? { host: r.host } : {}) },
      // Learned from the old cluster's answer at the baseline, like a configuration's probes.
      expect: [], fromUpstream: false, purpose: "log-replay",
    };
    probes.set(shape, probe);
    return probe;
  };
  const offsets = offsetsOf(parsed.requests);
  const events = parsed.requests
    .map((r, i) => ({ offsetMs: offsets[i]! / speed, method: r.method, target: r.target, probe: probeFor(r).name }))
    .sort((a, b) => a.offsetMs - b.offsetMs);
  const span = events.at(-1)!.offsetMs;
  const meanGap = events.length > 1 ? span / (events.length - 1) : 1000 / speed;
  const periodMs = span + (meanGap > 0 ? meanGap : 1000 / speed);
  return {
    kind: "access-log", source, speed, events, probes: [...probes.values()], periodMs, skipped: parsed.skipped,
    describe: () => `replay of ${source} at ${speed}x: ${events.length} requests over ${Math.round(span)} ms, ${probes.size} request shapes, looping every ${Math.round(periodMs)} ms` +
      (parsed.skipped ? ` (${parsed.skipped} ${parsed.skipped === 1 ? "line" : "lines"} skipped: not an HTTP request)` : ""),
  };
}

/** Reads and parses the log now, so a bad file is an input error before anything starts. */
export function accessLogReplay(options: AccessLogReplayOptions): AccessLogReplay {
  const speed = options.speed ?? 1;
  const maxShapes = options.maxShapes ?? DEFAULT_MAX_SHAPES;
  const source = options.file instanceof URL ? fileURLToPath(options.file) : options.file;
  const problems: string[] = [];
  if (!(Number.isFinite(speed) && speed > 0)) problems.push(`access log replay: speed must be a number > 0, got ${String(options.speed)}`);
  if (!(Number.isInteger(maxShapes) && maxShapes > 0)) problems.push(`access log replay: maxShapes must be a whole number > 0, got ${String(options.maxShapes)}`);
  if (problems.length > 0) throw new InvalidConfigError(problems);
  let text: string;
  try {
    text = readFileSync(source, "utf8");
  } catch (err) {
    throw new InvalidConfigError([`access log ${source} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return buildReplay(parseAccessLog(text, source), { source, speed, maxShapes });
}
