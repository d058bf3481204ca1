// What really reached a node's Admin API: its access log, read from the container's stdout before the
// node stops. Kong writes it with `access_log ${{ADMIN_ACCESS_LOG}};` and no format, so in nginx's
// `combined` format; the official image (and the harness, kong-container.ts) points it at /dev/stdout.
// `combined` has whole seconds only, so each line is timed by Docker's own timestamp of the output
// line (when Kong wrote it, after answering). The harness keeps the proxy access log off, so every
// such line on stdout is an Admin API request.
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { getContainerRuntimeClient } from "testcontainers";
import type { AccessLogWrite, AdminAccessLogValue, Cluster, NodeAccessLog } from "../checks/records.ts";
import { demux } from "../runtime/container-output.ts";
import type { StartedKongContainer } from "./kong-container.ts";

export interface AccessLogLine { readonly epochMs: number; readonly method: string; readonly path: string; readonly status: number }

// 127.0.0.1 - - [06/Dec/2026:19:50:00 +0000] "POST /consumers HTTP/1.1" 201 187 "-" "undici"
const COMBINED = /^\S+ \S+ \S+ \[[^\]]+\] "([A-Z]+) (\S+)(?: HTTP\/[\d.]+)?" (\d{3}) /;
// Docker's `timestamps` prefix: RFC 3339 with nanoseconds.
const DOCKER_STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z /;

/** Requests that change nothing; every other method counts as a write. */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);
export const isWrite = (method: string): boolean => !READS.has(method);

/** One stdout line with Docker's timestamp prefix; undefined for anything but a `combined` access-log line. */
export function parseAccessLogLine(line: string): AccessLogLine | undefined {
  const stamp = DOCKER_STAMP.exec(line);
  if (!stamp) return undefined;
  const m = COMBINED.exec(line.slice(stamp[0].length));
  if (!m) return undefined;
  const fraction = (stamp[2] ?? ".0").slice(1, 4).padEnd(3, "0");
  return { epochMs: Date.parse(`${stamp[1]}.${fraction}Z`), method: m[1]!, path: m[2]!, status: Number(m[3]) };
}

async function stdoutWithTimestamps(node: StartedKongContainer): Promise<string> {
  const docker = (await getContainerRuntimeClient()).container.dockerode.getContainer(node.container.getId());
  const raw = (await docker.logs({ stdout: true, stderr: false, follow: false, timestamps: true })) as unknown as Buffer;
  return demux(raw).stdout;
}

/**
 * Reads one node's Admin access log to its end. A marker request (`GET /status?kuh-access-log=<id>`)
 * is sent first and must show in the log: without it an empty log could mean "nothing was sent" or
 * "the log is off"; with it the log is known to be on and read past every earlier request.
 */
export async function readAdminAccessLog(node: StartedKongContainer, toRunMs: (epochMs: number) => number, waitMs = 3_000): Promise<NodeAccessLog> {
  const mark = `kuh-access-log=${randomUUID()}`;
  try {
    const res = await request(`${node.getAdminUrl()}/status?${mark}`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    await res.body.dump();
    const giveUpAt = Date.now() + waitMs;
    for (;;) {
      const lines = (await stdoutWithTimestamps(node)).split("\n").map(parseAccessLogLine).filter((l): l is AccessLogLine => l !== undefined);
      const markerSeen = lines.some((l) => l.path.includes(mark));
      if (markerSeen || Date.now() >= giveUpAt) {
        const writes: AccessLogWrite[] = lines.filter((l) => isWrite(l.method))
          .map((l) => ({ atMs: Math.round(toRunMs(l.epochMs)), method: l.method, path: l.path, status: l.status }));
        return { node: node.name, requests: lines.length, markerSeen, writes };
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    return { node: node.name, requests: 0, markerSeen: false, writes: [], error: err instanceof Error ? err.message : String(err) };
  }
}

/** The access logs of a cluster's running nodes (none running: an empty list, which is itself the evidence). */
export async function readClusterAccessLogs(cluster: Cluster, nodes: readonly StartedKongContainer[], toRunMs: (epochMs: number) => number): Promise<AdminAccessLogValue> {
  const read: NodeAccessLog[] = [];
  for (const node of nodes) read.push(await readAdminAccessLog(node, toRunMs));
  return { cluster, nodes: read };
}
