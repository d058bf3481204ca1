// Watches a node's `GET /status` the way a production load balancer or a Kubernetes readiness
// probe does: the first moment it answers 200 is when such a probe would send the node traffic.
import { request } from "undici";

export interface StatusWatch {
  /** Stops polling; the run-clock time `/status` first answered 200, or null if it never did. */
  stop(): Promise<number | null>;
}

/** Polls `adminUrl()/status` every `everyMs` until it answers 200 once or `stop()` is called. */
export function watchStatusReady(adminUrl: () => string, now: () => number, everyMs = 100): StatusWatch {
  let readyAt: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && readyAt === null) {
      const sentAt = now();
      try {
        const res = await request(`${adminUrl()}/status`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
        await res.body.dump();
        // The moment the probe was sent: a slow answer says "ready" as of when it was asked.
        if (res.statusCode === 200) { readyAt = sentAt; break; }
      } catch {
        // Not listening yet, or reset: not ready.
      }
      if (!stopped) await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return readyAt;
    },
  };
}
