// HAProxy dates its records by the wall clock; the run clock is monotonic. The two drift apart
// while the system slews or steps its wall clock (measured on a lab VM: 5 ms a second), so one
// offset taken at start misplaces records by hundreds of milliseconds a minute later. This tracks
// the wall clock's lead over the monotonic clock as it changes, to within a millisecond (Date.now()
// has whole milliseconds: a reading is at most 1 ms below the true lead).

/** Wall-clock ms minus monotonic epoch ms, tracked. */
export class WallClockLead {
  private lead: number;

  constructor(private readonly read: () => { wallMs: number; monotonicMs: number } = readClocks) {
    this.lead = this.sample() + 0.5;
  }

  /** The wall clock's current lead over `performance.timeOrigin + performance.now()`, in ms. */
  now(): number {
    const s = this.sample();
    // A reading is in (lead - 1, lead]: above the estimate, the lead grew; more than 1 ms below, it shrank.
    if (s > this.lead) this.lead = s;
    else if (s < this.lead - 1) this.lead = s + 1;
    return this.lead;
  }

  private sample(): number {
    const { wallMs, monotonicMs } = this.read();
    return wallMs - monotonicMs;
  }
}

function readClocks(): { wallMs: number; monotonicMs: number } {
  return { monotonicMs: performance.timeOrigin + performance.now(), wallMs: Date.now() };
}
