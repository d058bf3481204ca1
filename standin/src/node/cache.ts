// The node's entity cache: like Kong's mlcache with db_cache_ttl = 0, values (including misses) stay
// until their exact key is invalidated, locally on write or by a cluster event from another node.
export const MISS = Symbol("miss");
type Entry = unknown;

export class NodeCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly listeners = new Map<string, Array<() => void>>();

  /** The cached value, loading it once on a miss; a null load result is cached as a miss too. */
  async get<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    if (this.entries.has(key)) {
      const v = this.entries.get(key);
      return v === MISS ? null : (v as T);
    }
    const running = this.inflight.get(key) as Promise<T | null> | undefined;
    if (running) return running;
    // An invalidation during the load drops the inflight marker, so a stale result is not stored.
    const p: Promise<T | null> = load().then((v) => {
      if (this.inflight.get(key) === p) { this.entries.set(key, v === null ? MISS : v); this.inflight.delete(key); }
      return v;
    }, (e: unknown) => { if (this.inflight.get(key) === p) this.inflight.delete(key); throw e; });
    this.inflight.set(key, p);
    return p;
  }

  peek(key: string): unknown { return this.entries.get(key); }

  invalidate(key: string): void {
    this.entries.delete(key);
    this.inflight.delete(key);
    for (const fn of this.listeners.get(key) ?? []) fn();
  }

  /** Runs fn whenever key is invalidated (router/plugins version keys). */
  onInvalidate(key: string, fn: () => void): void {
    const l = this.listeners.get(key) ?? [];
    l.push(fn);
    this.listeners.set(key, l);
  }

  clear(): void { this.entries.clear(); }
}
