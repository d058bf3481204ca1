// Differential sampling, as Twitter's Diffy does it: while both clusters serve, every seed probe
// is sent at the same moment straight to two old nodes (the same one twice when the old cluster has
// one) and to one new node, rotating through the nodes, and the three answers are recorded whole:
// status, every response header, Kong's own body, and what the upstream received. The check
// response-parity learns noise from the two old answers and reports what else differs.
import { request } from "undici";
import { F, type History, type ParityAnswer, type ParityProbeSample, type ParitySampleValue, type UpgradePhase, type UpstreamReceived } from "../checks/index.ts";
import { probeBody, type Probe } from "./seed.ts";

export interface ParityNode {
  readonly name: string;
  readonly cluster: "blue" | "green";
  proxyUrl(): string;
}

export interface ParitySamplerOptions {
  readonly history: History;
  /** Run-clock milliseconds. */
  now(): number;
  readonly probes: readonly Probe[];
  /**
   * Probes also sent every second while both clusters serve; the others only at a new node's
   * readiness. The rate-limited probe is one of the others: its requests count against the shared
   * limit, and a request a second more on each counter would change what shared-rate-limit
   * measures (it hides a split counter: each cluster's own count reaches the limit sooner).
   */
  readonly whileServing?: (probe: Probe) => boolean;
  /** The nodes serving now (read before every sample: nodes come and go). */
  nodes(): readonly ParityNode[];
  /** The scenario's open phase, recorded with each sample. */
  phase(): UpgradePhase | undefined;
  /** From the start of one sample to the next; default 1 s (a few requests per second in all). */
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  /** A sample that could not be recorded ends the sampling; the error goes here. */
  onError?(err: unknown): void;
}

/** Probes per sample while both clusters serve, at most (servingWindow). */
const SERVING_WINDOW = 12;

/** Bodies are recorded up to this many characters (the echo's answer and Kong's errors are far smaller). */
const BODY_LIMIT = 16_384;

const flatHeaders = (h: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), Array.isArray(v) ? v.join(", ") : v]])));

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** What the echo upstream says it received (lab/upstream/echo.mjs's default answer). */
function upstreamOf(body: unknown): UpstreamReceived | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as { method?: unknown; path?: unknown; query?: unknown; headers?: unknown };
  if (typeof b.path !== "string" || typeof b.headers !== "object" || b.headers === null) return undefined;
  const q = b.path.indexOf("?");
  return {
    method: String(b.method), path: q < 0 ? b.path : b.path.slice(0, q),
    query: typeof b.query === "string" ? b.query : q < 0 ? "" : b.path.slice(q + 1),
    headers: flatHeaders(b.headers as Record<string, string | string[]>),
  };
}

/** One probe straight to one node, its answer captured whole. */
export async function captureAnswer(node: ParityNode, probe: Probe, timeoutMs = 5_000): Promise<ParityAnswer> {
  const t0 = performance.now();
  try {
    const res = await request(`${node.proxyUrl()}${probe.path}`, {
      method: probe.method as "GET", headers: { ...probe.headers }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      ...(probeBody(probe) !== undefined ? { body: probeBody(probe) } : {}),
    });
    const text = (await res.body.text()).slice(0, BODY_LIMIT);
    const headers = flatHeaders(res.headers);
    const latencyMs = Math.round(performance.now() - t0);
    const parsed = text === "" ? undefined : parseJson(text);
    const upstream = headers["x-echo"] === "1" ? upstreamOf(parsed) : undefined;
    return { node: node.name, status: res.statusCode, headers, ...(upstream ? { upstream } : parsed !== undefined ? { body: parsed } : {}), latencyMs };
  } catch (err) {
    return { node: node.name, status: null, error: err instanceof Error ? err.message : String(err), headers: {}, latencyMs: Math.round(performance.now() - t0) };
  }
}

export class ParitySampler {
  private round = 0;
  /** Where the next serving sample's window of probes starts. */
  private cursor = 0;
  private loop?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

  constructor(private readonly o: ParitySamplerOptions) {}

  /** One sample now: every probe to two old nodes and one new node (`newNode`, or the next in rotation). */
  async sampleOnce(purpose: ParitySampleValue["purpose"], newNode?: string): Promise<void> {
    const nodes = this.o.nodes();
    const blue = nodes.filter((n) => n.cluster === "blue");
    const green = nodes.filter((n) => n.cluster === "green");
    const candidate = newNode !== undefined ? green.find((n) => n.name === newNode) : green[this.round % Math.max(1, green.length)];
    if (blue.length === 0 || candidate === undefined) return;
    const primary = blue[this.round % blue.length]!;
    const secondary = blue[(this.round + 1) % blue.length]!;
    this.round += 1;
    const sentMs = this.o.now();
    const sent = purpose === "serving" ? this.servingWindow() : this.o.probes;
    const probes = await Promise.all(sent.map(async (p): Promise<ParityProbeSample> => {
      const [a, b, c] = await Promise.all([primary, secondary, candidate].map((n) => captureAnswer(n, p, this.o.timeoutMs)));
      return { probe: p.name, old: [a!, b!], new: c! };
    }));
    const phase = this.o.phase();
    const value: ParitySampleValue = { purpose, ...(phase ? { phase } : {}), nodes: { old: [primary.name, secondary.name], new: candidate.name }, sentMs, probes };
    this.o.history.event("parity", F.paritySample, value);
  }

  /**
   * The probes of one sample while both clusters serve: every one when they are few (the built-in
   * configuration's), else the next SERVING_WINDOW of them in turn, so a configuration with a
   * hundred probes costs a few dozen requests a second, not hundreds, and each probe is still
   * sampled every few seconds.
   */
  private servingWindow(): readonly Probe[] {
    const all = this.o.whileServing ? this.o.probes.filter(this.o.whileServing) : this.o.probes;
    if (all.length <= SERVING_WINDOW) return all;
    const start = this.cursor % all.length;
    this.cursor = start + SERVING_WINDOW;
    return [...all.slice(start, start + SERVING_WINDOW), ...all.slice(0, Math.max(0, start + SERVING_WINDOW - all.length))];
  }

  /** Samples every interval until stop(); a second call does nothing. */
  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = (async () => {
      while (!this.stopped) {
        const t0 = Date.now();
        try {
          await this.sampleOnce("serving");
        } catch (err) {
          this.o.onError?.(err);
          return;
        }
        const wait = (this.o.intervalMs ?? 1_000) - (Date.now() - t0);
        if (wait > 0 && !this.stopped) await new Promise<void>((resolve) => { this.wake = resolve; setTimeout(resolve, wait).unref(); });
      }
    })();
  }

  /** Stops sampling; resolves once the sample under way is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }
}
