// Which proxied requests are failures, and when there are too many. The rule is the checks' own
// (harness/checks/requests.ts classifyRequest), so the live gate and the offline check agree; the
// load balancer runs it on the request path so a breach rolls traffic back synchronously.
import type { RequestFailureKind, RequestLine } from "../checks/records.ts";
import { classifyRequest, type Baseline } from "../checks/requests.ts";

export type { Baseline };

export interface ErrorBudgetOptions {
  /** Failures tolerated; the next one is a breach. 0 = the first failure breaches. */
  readonly maxFailures: number;
}

/**
 * The failure kind of a record for the live gate, or undefined when it did not fail. Without a
 * baseline for its probe (or without any baseline), a request fails on a transport error or a 5xx.
 */
export function liveFailure(record: RequestLine, baseline?: Baseline): RequestFailureKind | undefined {
  const c = classifyRequest(record, baseline ?? {});
  if (c === "ok") return undefined;
  if (c === "unknown-probe") return record.status !== null && record.status >= 500 ? "status" : undefined;
  return c;
}

/** Counts failures against the budget; `observe` says whether this failure breached it. */
export class ErrorBudget {
  private failures = 0;
  constructor(readonly options: ErrorBudgetOptions) {
    if (!(Number.isInteger(options.maxFailures) && options.maxFailures >= 0)) {
      throw new RangeError(`maxFailures must be an integer >= 0, got ${options.maxFailures}`);
    }
  }

  get failed(): number {
    return this.failures;
  }

  /** Adds one failure; true exactly once, on the failure that goes over the budget. */
  observe(): boolean {
    this.failures++;
    return this.failures === this.options.maxFailures + 1;
  }

  describe(): string {
    return `error budget: at most ${this.options.maxFailures} failed request(s)`;
  }
}
