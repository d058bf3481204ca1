// The harness's side of a paced attack: vegeta runs `attack -lazy -rate=0`, so each target line
// written to its stdin is one request sent at once by an idle worker. Every tick writes the lines
// due by then according to the schedule, counted from the start (absolute time, so a late tick
// sends what it owes and the pace never drifts). It also keeps when each line was written: vegeta
// stamps a lazily fed request when its worker began waiting for a line, not when the line came.
import type { PacedSchedule } from "./paced-schedule.ts";

export const DEFAULT_TICK_MS = 10;

export interface PacedFeedOptions {
  readonly schedule: PacedSchedule;
  /** The vegeta JSON target line (newline-terminated) of each target index. */
  readonly lines: readonly string[];
  /** "METHOD url" of each target index: how results name the request they answer. */
  readonly keys: readonly string[];
  /** Nothing is due after this; the feed then ends vegeta's input, which ends the attack. */
  readonly durationMs: number;
  readonly tickMs?: number;
  write(chunk: string): void;
  end(): void;
  /** Monotonic ms for the schedule, wall-clock ms for the write stamps; injectable for tests. */
  readonly clock?: { monotonicMs(): number; epochMs(): number };
}

const systemClock = { monotonicMs: () => performance.now(), epochMs: () => Date.now() };

export class PacedFeed {
  readonly sendTimes = new SendTimes();
  private sent = 0;
  private startedAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private ended = false;
  private readonly clock: NonNullable<PacedFeedOptions["clock"]>;

  constructor(private readonly options: PacedFeedOptions) {
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    this.startedAt = this.clock.monotonicMs();
    this.tick();
    if (!this.ended) this.timer = setInterval(() => this.tick(), this.options.tickMs ?? DEFAULT_TICK_MS);
  }

  /** Writes every line due by now; at the duration, ends the input. */
  tick(): void {
    if (this.ended) return;
    const elapsed = Math.min(this.clock.monotonicMs() - this.startedAt, this.options.durationMs);
    const due = this.options.schedule.dueBy(elapsed);
    if (due > this.sent) {
      const epoch = this.clock.epochMs();
      const chunk: string[] = [];
      for (let k = this.sent; k < due; k++) {
        const target = this.options.schedule.targetOf(k);
        chunk.push(this.options.lines[target]!);
        this.sendTimes.record(this.options.keys[target]!, epoch);
      }
      this.sent = due;
      this.options.write(chunk.join(""));
    }
    if (elapsed >= this.options.durationMs) this.stop();
  }

  /** No more lines: vegeta's idle workers read the end of input and the attack ends. */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.options.end();
  }

  /** Requests written so far. */
  get written(): number {
    return this.sent;
  }
}

/**
 * When each written line went out, per "METHOD url", first in first out: lines are read in the
 * order written, so the n-th result for a key answers the n-th line written for it, unless two
 * requests for the same key were in flight at once and the later one finished first; then their
 * send times are swapped, each still inside the other's flight.
 */
export class SendTimes {
  private readonly pending = new Map<string, number[]>();

  record(key: string, epochMs: number): void {
    const queue = this.pending.get(key);
    if (queue) queue.push(epochMs);
    else this.pending.set(key, [epochMs]);
  }

  /**
   * A result's send time and latency: the line's write time, kept within what vegeta measured
   * (its worker started waiting at timestampMs and the answer came at timestampMs + latency).
   */
  correct(key: string, timestampMs: number, latencyNs: number): { timestampMs: number; latencyNs: number } {
    const written = this.pending.get(key)?.shift();
    if (written === undefined) return { timestampMs, latencyNs };
    const endMs = timestampMs + latencyNs / 1e6;
    const sentMs = Math.min(Math.max(written, timestampMs), endMs);
    return { timestampMs: sentMs, latencyNs: Math.round((endMs - sentMs) * 1e6) };
  }
}
