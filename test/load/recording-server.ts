// A local HTTP server that records every request it gets (arrival time, method, path, headers) and
// answers 200: what the load driver sent, and when, as the receiving end saw it. It answers at once,
// or delay=<ms> later when the query asks so (a request certainly in flight while that lasts).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Arrival {
  /** Epoch ms when the request's headers arrived. */
  readonly atMs: number;
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface RecordingServer {
  readonly url: string;
  readonly arrivals: Arrival[];
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const arrivals: Arrival[] = [];
  const server: Server = createServer((req, res) => {
    arrivals.push({ atMs: Date.now(), method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const delayMs = Number(new URL(req.url ?? "/", "http://recording.test").searchParams.get("delay") ?? 0);
    req.resume();
    req.on("end", () => setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("ok"), delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The URL without the probe=<name> parameter the harness adds. */
export const withoutProbeParam = (url: string): string => url.replace(/[?&]probe=[^&]*$/, "");
