// Event-driven waits with a timeout and an AbortSignal: `done` is re-checked whenever a waker in
// `wakers` runs (the load balancer runs them when a request releases a node).
import { TrafficAbortedError } from "./errors.ts";

export interface WaitOptions {
  /** Default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export function waitUntil(
  done: () => boolean,
  wakers: Set<() => void>,
  what: string,
  options: WaitOptions,
  onTimeout: (ms: number) => Error,
): Promise<void> {
  if (done()) return Promise.resolve();
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise<void>((resolve, reject) => {
    const finish = (e?: Error): void => {
      clearTimeout(timer);
      wakers.delete(check);
      options.signal?.removeEventListener("abort", onAbort);
      if (e) reject(e);
      else resolve();
    };
    const check = (): void => void (done() && finish());
    const onAbort = (): void => finish(new TrafficAbortedError(what, { cause: options.signal?.reason }));
    const timer = setTimeout(() => finish(onTimeout(timeoutMs)), timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    wakers.add(check);
  });
}
