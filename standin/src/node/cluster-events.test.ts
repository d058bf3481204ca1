import { expect } from "chai";
import type { ClusterEvent, EventStore } from "../db/types.ts";
import { ClusterEvents } from "./cluster-events.ts";

class FakeStore implements EventStore {
  now = 10_000;
  rows: ClusterEvent[] = [];
  async insert(e: Omit<ClusterEvent, "id" | "atMs"> & { expireAfterS: number }): Promise<void> {
    this.rows.push({ id: `e${this.rows.length}`, atMs: this.now, nodeId: e.nodeId, nbfMs: e.nbfMs, channel: e.channel, data: e.data });
  }
  async since(ms: number): Promise<ClusterEvent[]> { return this.rows.filter((r) => r.atMs >= ms && r.atMs <= this.now); }
  async nowMs(): Promise<number> { return this.now; }
}

describe("stand-in node: cluster events", () => {
  it("runs other nodes' events once, skips its own, and never replays events from before start", async () => {
    const store = new FakeStore();
    await new ClusterEvents(store, "other", 5, 0).broadcast("invalidations", "before-start");
    store.now = 20_000;
    const seen: string[] = [];
    const me = new ClusterEvents(store, "me", 5, 0);
    me.on("invalidations", (d) => seen.push(d));
    await me.start();
    me.stop();
    (me as unknown as { stopped: boolean }).stopped = false; // keep polling by hand, without the timer
    store.now = 21_000;
    await new ClusterEvents(store, "other", 5, 0).broadcast("invalidations", "k1");
    await me.broadcast("invalidations", "mine");
    await me.poll();
    await me.poll();
    expect(seen).to.deep.equal(["k1"]);
  });

  it("sets nbf from db_update_propagation", async () => {
    const store = new FakeStore();
    await new ClusterEvents(store, "n", 5, 2).broadcast("invalidations", "k");
    expect(store.rows[0]!.nbfMs).to.equal(12_000);
  });
});
