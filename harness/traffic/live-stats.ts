// Live counters of the load balancer, for progress output and gates. The record stream is the
// truth for checks; these are a running summary of it.
import type { RequestFailureKind, RequestRecord } from "../checks/records.ts";

export interface Tally {
  requests: number;
  failures: number;
}

export interface LiveStats {
  readonly requests: number;
  readonly failures: number;
  readonly inFlight: number;
  readonly byCluster: Readonly<Record<RequestRecord["cluster"], Tally>>;
  readonly byNode: Readonly<Record<string, Tally>>;
  /** Count per status code; "none" = no answer. */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byFailure: Readonly<Partial<Record<RequestFailureKind, number>>>;
  /** Up to the first 20 failed records, for diagnosis. */
  readonly firstFailures: readonly RequestRecord[];
}

const FIRST_FAILURES = 20;

export class LiveCounters {
  private requests = 0;
  private failures = 0;
  inFlight = 0;
  private readonly byCluster: Record<RequestRecord["cluster"], Tally> = { blue: tally(), green: tally(), none: tally() };
  private readonly byNode: Record<string, Tally> = {};
  private readonly byStatus: Record<string, number> = {};
  private readonly byFailure: Partial<Record<RequestFailureKind, number>> = {};
  private readonly firstFailures: RequestRecord[] = [];

  add(record: RequestRecord, failure: RequestFailureKind | undefined): void {
    const failed = failure === undefined ? 0 : 1;
    this.requests++;
    this.failures += failed;
    bump(this.byCluster[record.cluster], failed);
    if (record.node !== null) bump((this.byNode[record.node] ??= tally()), failed);
    const status = record.status === null ? "none" : String(record.status);
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (failure !== undefined) {
      this.byFailure[failure] = (this.byFailure[failure] ?? 0) + 1;
      if (this.firstFailures.length < FIRST_FAILURES) this.firstFailures.push(record);
    }
  }

  snapshot(): LiveStats {
    const copy = (t: Tally): Tally => ({ ...t });
    return {
      requests: this.requests,
      failures: this.failures,
      inFlight: this.inFlight,
      byCluster: { blue: copy(this.byCluster.blue), green: copy(this.byCluster.green), none: copy(this.byCluster.none) },
      byNode: Object.fromEntries(Object.entries(this.byNode).map(([k, v]) => [k, copy(v)])),
      byStatus: { ...this.byStatus },
      byFailure: { ...this.byFailure },
      firstFailures: [...this.firstFailures],
    };
  }
}

function tally(): Tally {
  return { requests: 0, failures: 0 };
}

function bump(t: Tally, failed: number): void {
  t.requests++;
  t.failures += failed;
}
