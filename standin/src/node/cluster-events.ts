// Cross-node propagation exactly through cluster_events (kong/cluster_events/init.lua): a node
// broadcasts its invalidations as rows; every db_update_frequency seconds it reads rows newer than
// its cursor (minus db_update_propagation), skips its own, de-duplicates by id and runs the channel's
// handler, deferred until `nbf` when propagation > 0. Events from before the node started are never
// replayed: the first cursor is the database's clock at start.
import type { ClusterEvent, EventStore } from "../db/types.ts";
import { log } from "./log.ts";

export type ChannelHandler = (data: string, event: ClusterEvent) => void;

export class ClusterEvents {
  private cursorMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Map<string, number>();
  private readonly handlers = new Map<string, ChannelHandler>();
  private readonly deferred = new Set<NodeJS.Timeout>();
  private polling = false;
  private stopped = false;

  constructor(
    private readonly store: EventStore, private readonly nodeId: string,
    private readonly frequencyS: number, private readonly propagationS: number,
  ) {}

  on(channel: string, handler: ChannelHandler): void { this.handlers.set(channel, handler); }

  async start(): Promise<void> {
    this.cursorMs = await this.store.nowMs();
    this.timer = setInterval(() => { void this.poll(); }, Math.max(1, this.frequencyS * 1000));
    this.timer.unref();
  }

  async broadcast(channel: string, data: string): Promise<void> {
    const nbfMs = this.propagationS > 0 ? (await this.store.nowMs()) + this.propagationS * 1000 : null;
    await this.store.insert({ nodeId: this.nodeId, nbfMs, channel, data, expireAfterS: Math.max(this.propagationS * 10, 3600) });
  }

  /** One polling pass (also called directly by tests). */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const now = await this.store.nowMs();
      // The grace window re-reads recent rows: a row committed late with an earlier `at` is not lost.
      const events = await this.store.since(this.cursorMs - this.propagationS * 1000 - 1000, [...this.handlers.keys()]);
      this.cursorMs = now;
      for (const e of events) this.dispatch(e, now);
      this.pruneSeen(now);
    } catch (e) {
      if (!this.stopped) log("error", `[cluster_events] failed to poll: ${(e as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private dispatch(e: ClusterEvent, nowMs: number): void {
    if (e.nodeId === this.nodeId || this.seen.has(e.id)) return;
    this.seen.set(e.id, e.atMs);
    const handler = this.handlers.get(e.channel);
    if (!handler) return;
    const delay = e.nbfMs !== null ? e.nbfMs - nowMs : 0;
    if (delay <= 0) { handler(e.data, e); return; }
    const t = setTimeout(() => { this.deferred.delete(t); if (!this.stopped) handler(e.data, e); }, delay);
    t.unref();
    this.deferred.add(t);
  }

  private pruneSeen(nowMs: number): void {
    const horizon = nowMs - (this.propagationS * 1000 + 60_000);
    for (const [id, at] of this.seen) if (at < horizon) this.seen.delete(id);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.deferred) clearTimeout(t);
  }
}
