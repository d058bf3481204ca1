// Errors of the traffic area, in the harness's hierarchy (harness/errors.ts).
import { HarnessError } from "../errors.ts";

/** A drain did not see its in-flight requests finish in time. */
export class DrainTimeoutError extends HarnessError {
  override name = "DrainTimeoutError";
  override readonly code: string = "KH_ERR_DRAIN_TIMEOUT";
  constructor(readonly target: string, readonly timeoutMs: number, readonly inFlight: number) {
    super(`Drain of ${target} not finished after ${timeoutMs}ms: ${inFlight} request(s) still in flight`, {
      hint: "a backend is holding requests open; raise the drain timeout or look at the node's logs",
    });
  }
}

/** A wait was aborted through its AbortSignal. */
export class TrafficAbortedError extends HarnessError {
  override name = "TrafficAbortedError";
  override readonly code: string = "KH_ERR_ABORTED";
  constructor(what: string, options?: ErrorOptions) {
    super(`${what} aborted`, options);
  }
}

/** Weights towards green were asked for after the load balancer tripped its error budget. */
export class ShiftAbortedError extends HarnessError {
  override name = "ShiftAbortedError";
  override readonly code: string = "KH_ERR_SHIFT_ABORTED";
  constructor(readonly reason: string, readonly green: number) {
    super(`Setting green weight ${green}% refused: traffic was rolled back to blue (${reason})`, {
      hint: "the shift is over once the load balancer rolled back; call clearAbort() to start a new one",
    });
  }
}
