// Receives HAProxy's request records: its ring forwards each log line over TCP, one per line, as
// requests end. A sync request (LOG_SYNC_PATH, answered by HAProxy itself) marks a point in the
// stream: once it arrives, every request that ended before it was sent has arrived too.
import { createServer, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { EnvironmentError, HarnessError } from "../../errors.ts";
import { LOG_SYNC_PATH } from "./config.ts";
import { parseLogLine, type HaproxyLogLine } from "./records.ts";

/** "Server blue/blue-1 is DOWN, reason: Layer4 connection problem, ..." (not "DOWN for maintenance"). */
const HEALTH_NOTICE = /^Server ([\w.-]+\/[\w.-]+) is (UP|DOWN)(?!.* for maintenance)\b/;

export class LogReceiver {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly syncWaiters = new Map<string, () => void>();
  private syncSeq = 0;
  /** Lines that were not a record (a format HAProxy changed, a health-check note). */
  unparsed = 0;
  lastUnparsed = "";

  constructor(
    private readonly onRecord: (line: HaproxyLogLine) => void,
    /** HAProxy's own notices in the same stream: a server marked up or down by its checks, as it happens. */
    private readonly onHealth: (server: string, healthy: boolean) => void = () => undefined,
  ) {}

  /** Listens on a free port of 127.0.0.1; returns it. */
  async listen(): Promise<number> {
    const server = (this.server = createServer((socket) => this.accept(socket)));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    }).catch((e: unknown) => {
      throw new EnvironmentError(`could not listen for HAProxy's records on 127.0.0.1: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    });
    return (server.address() as AddressInfo).port;
  }

  get connected(): boolean {
    return this.sockets.size > 0;
  }

  /**
   * Sends a sync request through the frontend and resolves once its record arrived: every record
   * of a request that ended before has arrived by then (one HAProxy thread writes them in order).
   */
  async sync(frontendUrl: string, timeoutMs = 10_000): Promise<void> {
    const id = `${process.pid}-${++this.syncSeq}`;
    const arrived = new Promise<void>((resolve) => this.syncWaiters.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(`HAProxy's records stopped arriving: the sync record ${id} did not arrive within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const answer = await request(`${frontendUrl}${LOG_SYNC_PATH}/${id}`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      await answer.body.dump();
      await Promise.race([arrived, timeout]);
    } finally {
      clearTimeout(timer);
      this.syncWaiters.delete(id);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.on("line", (text) => this.line(text));
    // HAProxy stopping resets the connection; readline re-emits the socket's error.
    lines.on("error", () => undefined);
  }

  private line(text: string): void {
    const line = parseLogLine(text.trim());
    const health = line ? undefined : HEALTH_NOTICE.exec(text.trim());
    if (health) {
      this.onHealth(health[1]!, health[2] === "UP");
      return;
    }
    if (!line) {
      if (text.trim() !== "") {
        this.unparsed++;
        this.lastUnparsed = text.trim().slice(0, 300);
      }
      return;
    }
    if (line.u.startsWith(LOG_SYNC_PATH)) {
      this.syncWaiters.get(line.u.slice(LOG_SYNC_PATH.length + 1))?.();
      return;
    }
    this.onRecord(line);
  }
}
