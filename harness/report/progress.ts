// Terminal progress of a run: on a TTY one live line redrawn in place (phase, green weight,
// requests/s, failures so far, elapsed time); without a TTY (CI logs) one plain line per phase
// change and per step, nothing per tick. It writes through the function it is given (the CLI
// passes process.stdout's), never to the console itself, and reads time from an injected clock.

export interface ProgressClock { now(): number }

export interface ProgressStats {
  /** Requests so far (cumulative). */
  readonly requests: number;
  /** Failed requests so far (cumulative). */
  readonly failures: number;
}

export interface ProgressOptions {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  readonly clock: ProgressClock;
  /** Live-line redraws at most this often on ticks (phase and step changes redraw at once); default 200 ms. */
  readonly minRedrawMs?: number;
  /** Window of the requests/s figure; default 5000 ms. */
  readonly rateWindowMs?: number;
  /** Columns of the terminal; the live line is cut to fit. Default 120. */
  readonly columns?: number;
}

/** "1:02.5" */
export const elapsedText = (ms: number): string => {
  const s = Math.max(0, ms) / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, "0")}`;
};

const n = (v: number): string => v.toLocaleString("en-US");
const CLEAR_LINE = "\r\x1b[2K";

export class Progress {
  private readonly startMs: number;
  private currentPhase = "starting";
  private weight: number | null = null;
  private stats: ProgressStats = { requests: 0, failures: 0 };
  private samples: { t: number; requests: number }[] = [];
  private lastDrawMs = -Infinity;
  private live = false;
  private closed = false;

  constructor(private readonly options: ProgressOptions) {
    this.startMs = options.clock.now();
  }

  /** A new phase began (UpgradePhase name). */
  phase(name: string): void {
    if (this.closed) return;
    this.currentPhase = name;
    this.announce(`phase ${name}`);
  }

  /** The load balancer applied a new green weight (percent). */
  step(greenWeight: number): void {
    if (this.closed) return;
    this.weight = greenWeight;
    this.announce(`step green ${greenWeight}%`);
  }

  /** Cumulative counters, as often as the caller likes; only a TTY shows them between events. */
  tick(stats: ProgressStats): void {
    if (this.closed) return;
    this.stats = stats;
    const t = this.options.clock.now();
    this.samples.push({ t, requests: stats.requests });
    const window = this.options.rateWindowMs ?? 5000;
    while (this.samples.length > 2 && t - this.samples[1]!.t >= window) this.samples.shift();
    if (this.options.isTTY && t - this.lastDrawMs >= (this.options.minRedrawMs ?? 200)) this.draw();
  }

  /** A fact worth its own line, between the live line's redraws. */
  note(text: string): void {
    if (this.closed) return;
    if (this.options.isTTY && this.live) this.options.write(`${CLEAR_LINE}`);
    this.options.write(`[progress] ${elapsedText(this.options.clock.now() - this.startMs)} ${text}\n`);
    if (this.options.isTTY && this.live) this.draw();
  }

  /** Requests per second over the window; null until two samples at least 200 ms apart. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.t - first.t < 200) return null;
    return ((last.requests - first.requests) * 1000) / (last.t - first.t);
  }

  /** The status line's text (also the body of each plain line). */
  line(): string {
    const rate = this.rate();
    return [
      `[${elapsedText(this.options.clock.now() - this.startMs)}]`, this.currentPhase,
      this.weight === null ? "green -" : `green ${this.weight}%`,
      rate === null ? "- req/s" : `${rate.toFixed(0)} req/s`,
      `${n(this.stats.requests)} requests`, `${n(this.stats.failures)} failed`,
    ].join(" · ");
  }

  /** Ends the live line (a TTY gets its final state and a newline); later calls do nothing. */
  close(final?: string): void {
    if (this.closed) return;
    if (this.options.isTTY) {
      this.draw();
      this.options.write("\n");
    }
    if (final) this.options.write(`${final}\n`);
    this.closed = true;
  }

  private announce(event: string): void {
    if (this.options.isTTY) this.draw();
    else this.options.write(`[progress] ${elapsedText(this.options.clock.now() - this.startMs)} ${event} (${n(this.stats.requests)} requests, ${n(this.stats.failures)} failed so far)\n`);
  }

  private draw(): void {
    const columns = this.options.columns ?? 120;
    const text = this.line();
    this.options.write(`${CLEAR_LINE}${text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text}`);
    this.lastDrawMs = this.options.clock.now();
    this.live = true;
  }

  /** Whether the live line has been drawn (TTY). */
  get drawn(): boolean { return this.live; }
}

export const createProgress = (options: ProgressOptions): Progress => new Progress(options);
