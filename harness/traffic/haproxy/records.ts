// HAProxy's JSON log line for one request, turned into the harness's RequestRecord. HAProxy's
// termination state (two letters: who ended the stream, and in which phase) says why a request
// failed; requests HAProxy failed itself (no server, timeout, reset) are failures of the node.
import type { RequestFailureKind, RequestLine } from "../../checks/records.ts";
import type { ClusterName } from "../nodes.ts";

/** The fields of LOG_FORMAT (config.ts). */
export interface HaproxyLogLine {
  /** When HAProxy wrote the record (the request's end), epoch µs. */
  readonly end: number;
  readonly th: number;
  readonly ti: number;
  readonly ta: number;
  readonly tc: number;
  readonly tr: number;
  /** The backend: "blue" or "green" (the cluster), or the frontend's name when HAProxy answered itself. */
  readonly be: string;
  /** The green weight the request was split under. */
  readonly gw: string;
  readonly srv: string;
  readonly st: number;
  readonly ts: string;
  readonly rc: string;
  readonly m: string;
  readonly u: string;
  readonly probe: string;
  readonly src: string;
  readonly id: number;
}

export const NO_SERVER = "<NOSRV>";

export function parseLogLine(text: string): HaproxyLogLine | undefined {
  try {
    const v = JSON.parse(text) as Partial<HaproxyLogLine>;
    return typeof v.end === "number" && typeof v.ts === "string" && typeof v.srv === "string" ? v as HaproxyLogLine : undefined;
  } catch {
    return undefined;
  }
}

/** HAProxy writes bytes it will not log as is as "#XX" (hex); the records keep the request's own text. */
export function decodeLogText(s: string): string {
  return s === "-" ? "" : s.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

type TransportError = Exclude<RequestFailureKind, "status">;

/** `C` / `c` first: the client closed or timed out; it got nothing, whatever HAProxy logged as the status. */
const clientLeft = (line: HaproxyLogLine): boolean => line.ts.startsWith("C") || line.ts.startsWith("c");

/**
 * Why a request got no complete answer from a node, from the termination state; undefined when it
 * ended normally. `C`/`c` first: the client left or timed out (recorded as a timeout: it gave up
 * waiting); `S` server / `s` server timeout; then the phase: `C` connect, `H` headers, `D` data.
 */
export function transportError(line: HaproxyLogLine): TransportError | undefined {
  const [who = "-", phase = "-"] = line.ts;
  if (who === "-" || who === "L") return undefined;
  if (clientLeft(line)) return "timeout";
  if (line.srv === NO_SERVER) return "no-backend";
  if (phase === "C") return "connect";
  if (who === "s") return "timeout";
  // S (the server closed or refused), D (the server went down), K (a session shut down by the
  // harness), P / I / R (HAProxy itself): the exchange broke.
  return "reset";
}

export interface RecordContext {
  readonly seq: number;
  /** Epoch ms minus the run clock's ms: turns HAProxy's dates into the records' time base. */
  readonly epochOffsetMs: number;
}

const clusterOf = (backend: string): ClusterName | "none" => (backend === "blue" || backend === "green" ? backend : "none");

export function toRequestRecord(line: HaproxyLogLine, ctx: RecordContext): RequestLine {
  // The end in µs and the active time in whole ms: the start is at most 1 ms late.
  const endMs = line.end / 1_000 - ctx.epochOffsetMs;
  const startMs = endMs - Math.max(0, line.ta);
  const error = transportError(line);
  const node = line.srv === NO_SERVER ? null : line.srv;
  const retries = Number(line.rc.replace(/^\+/, "")) || 0;
  // `tr` is -1 unless the node's answer headers arrived: HAProxy's own 502/503/504 is not the
  // node's status. A node's status that arrived before the stream broke is kept, but the client
  // saw that answer break, so it has no status of its own.
  const status = line.tr >= 0 && line.st > 0 ? line.st : null;
  const broken = error !== undefined && status !== null;
  const source = decodeLogText(line.src);
  return {
    seq: ctx.seq,
    startMs,
    endMs,
    probe: decodeLogText(line.probe),
    method: line.m,
    path: decodeLogText(line.u),
    cluster: clusterOf(line.be),
    node,
    status,
    ...(error !== undefined ? { error } : {}),
    attempts: node === null ? 0 : 1 + retries,
    ...(source !== "" ? { source } : {}),
    ...(line.ts !== "--" ? { termination: line.ts } : {}),
    // A client that left got nothing; HAProxy logs the status it would have sent.
    clientStatus: broken || clientLeft(line) ? null : line.st > 0 ? line.st : null,
    ...(/^\d+$/.test(line.gw) ? { greenWeight: Number(line.gw) } : {}),
  };
}
