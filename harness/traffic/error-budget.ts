// Which proxied requests are failures, and when there are too many. Pure: the load balancer calls
// these on the request path, so a breach rolls traffic back synchronously, and the checks can use
// the same rule on requests.jsonl afterwards.
import type { RequestFailureKind, RequestRecord } from "../checks/records.ts";

/** Expected status for a probe (from the baseline); undefined when the probe is not known. */
export type Baseline = (probe: string) => number | undefined;

export interface ErrorBudgetOptions {
  /** Failures tolerated; the next one is a breach. 0 = the first failure breaches. */
  readonly maxFailures: number;
}

/**
 * A record's failure kind, or undefined when it is not a failure: any transport error (connect,
 * reset, timeout, no-backend) fails; a status fails when it differs from the probe's baseline, or,
 * for a probe without a baseline, when it is a 5xx.
 */
export function classifyRequest(record: Pick<RequestRecord, "probe" | "status" | "error">, baseline?: Baseline): RequestFailureKind | undefined {
  if (record.error !== undefined) return record.error;
  if (record.status === null) return "reset";
  const expected = baseline?.(record.probe);
  if (expected === undefined) return record.status >= 500 ? "status" : undefined;
  return record.status === expected ? undefined : "status";
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
