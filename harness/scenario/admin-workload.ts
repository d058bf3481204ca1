// The Admin API workload of a blue/green run: a writer that creates, updates and deletes entities
// through one cluster's Admin API, and a verifier that watches every node's proxy until each write
// shows there. Both only record ops; the admin-writes-propagated check judges them afterwards.
import { AdminWriteRefusedError, type KongAdminClient, type WriteMethod } from "../kong/admin-client.ts";
import { F, WRITE_NOT_SENT, WRITE_REFUSED, type AdminWriteValue, type Cluster, type History, type ObservationValue } from "../checks/index.ts";
import { sendProbe } from "./probes.ts";
import type { Probe } from "./seed.ts";
import { BUILT_IN_SEED, type WorkloadFixture } from "./run-seed.ts";

const NOT_SENT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
const notSent = (err: unknown): boolean => err instanceof Error && NOT_SENT.has(String((err as { code?: unknown }).code));

export interface WatchedNode { readonly name: string; readonly cluster: Cluster; proxyUrl(): string }

interface Expectation { readonly probe: Probe; readonly status: number }
interface Pending { readonly write: AdminWriteValue; readonly expect: Expectation; readonly node: WatchedNode; readonly since: number; readonly deadline: number }

const look = (name: string, path: string, headers: Record<string, string> = {}): Probe =>
  ({ name, method: "GET", path: `${path}?probe=${name}`, headers: { "x-kuh-probe": name, ...headers }, expect: [], fromUpstream: false });

/**
 * One planned write: the request, and what a node's proxy shows once it has the write. Without
 * `expect` nothing shows on the proxy (a consumer alone), so the entity is read through the Admin
 * API (`adminPath`) when the final state is verified.
 */
interface PlannedWrite {
  readonly entity: string; readonly action: AdminWriteValue["action"]; readonly method: WriteMethod; readonly path: string; readonly body?: unknown;
  readonly expect?: Expectation; readonly adminPath?: string;
  /** An invalid write: Kong must answer this status and store nothing. */
  readonly expectRejected?: number;
}

/** How to tell that a node has an entity's latest state. */
export type FinalState = { readonly proxy: Expectation } | { readonly adminPath: string };

/**
 * Cycle n of a workload that started at cycle `first`: routes, consumers and credentials. Route
 * paths end in "/" because Kong matches paths by prefix: "/w1" would also answer "/w12".
 * `revokeCredentials`: a key is also rotated (a new key for its consumer, the old one deleted) as
 * late as its route is deleted, once every node has answered with the old key and cached it.
 */
export function plannedWrites(n: number, first = 1, lag = 2, revokeCredentials = false, fixture: WorkloadFixture = BUILT_IN_SEED.workload): PlannedWrite[] {
  const { prefix: x, service, privatePath } = fixture;
  // Tagged beside a user's configuration, so its own entities are told apart from the user's.
  const tagged = (body: Record<string, unknown>): Record<string, unknown> => (fixture.tag ? { ...body, tags: [fixture.tag] } : body);
  const writes: PlannedWrite[] = [
    { entity: `routes/${x}w${n}`, action: "create", method: "POST", path: `/services/${service}/routes`, body: tagged({ name: `${x}w${n}`, paths: [`/${x}w${n}/`] }), expect: { probe: look(`${x}w${n}`, `/${x}w${n}/`), status: 200 } },
    { entity: `consumers/${x}c${n}`, action: "create", method: "POST", path: "/consumers", body: tagged({ username: `${x}c${n}` }), adminPath: `/consumers/${x}c${n}` },
    { entity: `keyauth_credentials/${x}key-${n}`, action: "create", method: "POST", path: `/consumers/${x}c${n}/key-auth`, body: tagged({ key: `${x}key-${n}` }), expect: { probe: look(`${x}key-${n}`, privatePath, { apikey: `${x}key-${n}` }), status: 200 } },
  ];
  // Invalid on purpose: a consumer needs a username or a custom_id (400 schema violation).
  writes.push({ entity: `consumers/${x}invalid-${n}`, action: "create", method: "POST", path: "/consumers", body: { tags: [`${x}invalid-${n}`] }, expectRejected: 400 });
  // A route is renamed `lag` cycles after its creation and deleted `lag` cycles later, so each
  // state has had time to show before the next replaces it.
  const u = n - lag;
  const d = n - 2 * lag;
  if (u >= first) writes.push({ entity: `routes/${x}w${u}`, action: "update", method: "PATCH", path: `/routes/${x}w${u}`, body: { paths: [`/${x}w${u}-v2/`] }, expect: { probe: look(`${x}w${u}-v2`, `/${x}w${u}-v2/`), status: 200 } });
  if (d >= first) writes.push({ entity: `routes/${x}w${d}`, action: "delete", method: "DELETE", path: `/routes/${x}w${d}`, expect: { probe: look(`${x}w${d}-gone`, `/${x}w${d}-v2/`), status: 404 } });
  if (d >= first && revokeCredentials) {
    writes.push(
      { entity: `keyauth_credentials/${x}key-${d}-r`, action: "create", method: "POST", path: `/consumers/${x}c${d}/key-auth`, body: tagged({ key: `${x}key-${d}-r` }), expect: { probe: look(`${x}key-${d}-r`, privatePath, { apikey: `${x}key-${d}-r` }), status: 200 } },
      { entity: `keyauth_credentials/${x}key-${d}`, action: "delete", method: "DELETE", path: `/consumers/${x}c${d}/key-auth/${x}key-${d}`, expect: { probe: look(`${x}key-${d}-revoked`, privatePath, { apikey: `${x}key-${d}` }), status: 401 } },
    );
  }
  return writes;
}

/**
 * Cycles used by earlier runs on the same datastore (a path's earlier hops): their entities are
 * still there, so a later hop's entity names start after them instead of colliding (409).
 */
let cyclesTaken = 0;
export function setCyclesTaken(n: number): void { cyclesTaken = n; }

export interface AdminWorkloadOptions {
  readonly history: History;
  readonly now: () => number;
  /** Admin clients of the cluster that takes the writes, used round-robin. */
  readonly writers: readonly KongAdminClient[];
  readonly cluster: Cluster;
  /** Nodes to watch, asked at each write (nodes come and go during a run). */
  readonly nodes: () => readonly WatchedNode[];
  readonly intervalMs: number;
  /** How long a write may take to show before the verifier stops looking (bound + margin). */
  readonly watchMs: number;
  /** First cycle number; a second workload in the same run starts after the first's last. */
  readonly firstCycle?: number;
  /** Writes an earlier workload on the same cluster already numbered, so write ids stay unique and in order. */
  readonly writesBefore?: number;
  /**
   * How long a node may take, beyond the cluster-event poll, to show a write: Kong 3.x rebuilds its
   * router on a timer. A route is changed again only after that much more time, so a create is
   * never replaced before any 3.x router could have shown it.
   */
  readonly rebuildDelayMs?: number;
  /** Rotate keys: each credential is later replaced by a new one and deleted (see plannedWrites). */
  readonly revokeCredentials?: boolean;
  /** Where its entities go (run-seed.ts): beside a user's configuration, a service and key-auth route of its own, every entity tagged. */
  readonly fixture?: WorkloadFixture;
}

/** A write Kong accepted, as sent: what re-applying it elsewhere needs. */
export interface AcceptedWrite {
  readonly writeId: string; readonly entity: string; readonly action: AdminWriteValue["action"];
  readonly method: WriteMethod; readonly path: string; readonly body?: unknown;
}

export class AdminWorkload {
  private readonly pending: Pending[] = [];
  /** Every write Kong accepted (invalid ones excepted), in order. */
  readonly accepted: AcceptedWrite[] = [];
  /** Entity -> its latest state after every accepted write, for the checks after finish. */
  readonly finalStates = new Map<string, FinalState>();
  private stopped = false;
  private abandoned = false;
  /** The writer loop has returned: no write can add to `pending` any more. */
  private writerDone = false;
  private cycle: number;
  private writeSeq = 0;
  private writerLoop?: Promise<void>;
  private verifierLoop?: Promise<void>;

  constructor(private readonly o: AdminWorkloadOptions) { this.cycle = o.firstCycle ?? 1; this.writeSeq = o.writesBefore ?? 0; }

  get nextCycle(): number { return this.cycle; }

  /** How many writes are numbered so far (the next workload on the cluster continues after them). */
  get writesNumbered(): number { return this.writeSeq; }

  start(): void {
    this.writerLoop = this.writeLoop();
    this.verifierLoop = this.verifyLoop();
  }

  /**
   * Resolves once `n` cycles were written (or the workload stopped, or `signal` fired), waiting at
   * most `maxMs`: on a slow machine a fixed wait could end before any write was made and checked.
   */
  async cycles(n: number, maxMs: number, signal?: AbortSignal): Promise<void> {
    const target = (this.o.firstCycle ?? 1) + n;
    const giveUpAt = Date.now() + maxMs;
    while (this.cycle < target && !this.stopped && !signal?.aborted && Date.now() < giveUpAt) await this.sleep(50);
  }

  /**
   * Stops writing, then keeps verifying until every pending write was seen or timed out; with
   * `abandon` (an interrupted run) pending observations are dropped, so nothing is recorded late.
   */
  async stop(abandon = false): Promise<void> {
    this.stopped = true;
    this.abandoned ||= abandon;
    if (abandon) this.pending.splice(0);
    await this.writerLoop;
    await this.verifierLoop;
  }

  /** One write, recorded; returns whether Kong accepted it. */
  async write(w: PlannedWrite, admin: KongAdminClient, expectOn?: readonly WatchedNode[]): Promise<boolean> {
    const nodes = expectOn ?? this.o.nodes();
    const value: AdminWriteValue = {
      writeId: `${this.o.cluster}-${++this.writeSeq}:${w.action}:${w.entity}`, cluster: this.o.cluster, entity: w.entity, action: w.action,
      expectOn: w.expect ? nodes.map((n) => n.name) : [],
      ...(w.expectRejected ? { expectRejected: w.expectRejected } : {}),
      method: w.method, path: w.path,
    };
    const h = this.o.history;
    const inv = h.invoke("admin-writer", F.adminWrite, value, { node: admin.node });
    try {
      const res = await admin.write(w.method, w.path, w.body);
      if (res.status >= 400) {
        h.fail(inv, `status ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`, value);
        return false;
      }
      h.ok(inv, value);
      if (w.expectRejected) return true;
      this.accepted.push({ writeId: value.writeId, entity: w.entity, action: w.action, method: w.method, path: w.path, ...(w.body === undefined ? {} : { body: w.body }) });
      if (w.expect) this.finalStates.set(w.entity, { proxy: w.expect });
      else if (w.adminPath) this.finalStates.set(w.entity, { adminPath: w.adminPath });
    } catch (err) {
      if (err instanceof AdminWriteRefusedError) h.fail(inv, WRITE_REFUSED, value);
      // A refused connection sent nothing (the node is down): a definite failure, not an unknown outcome.
      else if (notSent(err)) h.fail(inv, `${WRITE_NOT_SENT}: ${(err as Error).message}`, value);
      else h.info(inv, err instanceof Error ? err.message : String(err), value);
      return false;
    }
    if (w.expect && !this.abandoned) {
      const since = this.o.now();
      for (const node of nodes) this.pending.push({ write: value, expect: w.expect, node, since, deadline: since + this.o.watchMs });
    }
    return true;
  }

  private async writeLoop(): Promise<void> {
    let k = 0;
    while (!this.stopped) {
      const lag = 2 + Math.ceil((this.o.rebuildDelayMs ?? 0) / this.o.intervalMs);
      for (const w of plannedWrites(this.cycle + cyclesTaken, (this.o.firstCycle ?? 1) + cyclesTaken, lag, this.o.revokeCredentials, this.o.fixture)) {
        if (this.stopped) break;
        await this.write(w, this.o.writers[k++ % this.o.writers.length]!);
      }
      this.cycle++;
      if (!this.stopped) await this.sleep(this.o.intervalMs);
    }
    this.writerDone = true;
  }

  private async verifyLoop(): Promise<void> {
    // Each (write, node) is probed on its own: a node that answers slowly (frozen, restarting) never
    // delays the observations of the others, whose times are the moments their answers came.
    const inFlight = new Set<Promise<void>>();
    // Until the writer returned: a write in flight when stop() was called still adds to `pending`.
    while (!this.writerDone || this.pending.length > 0 || inFlight.size > 0) {
      for (const p of this.pending.splice(0)) {
        const probe: Promise<void> = this.probeOnce(p).finally(() => inFlight.delete(probe));
        inFlight.add(probe);
      }
      await this.sleep(150);
    }
  }

  /** One probe of a pending (write, node): observed when it matches or its watch expired, else pending again. */
  private async probeOnce(p: Pending): Promise<void> {
    const answer = await sendProbe(p.node.proxyUrl(), p.expect.probe, 2_000);
    if (this.abandoned) return;
    const matches = answer.status === p.expect.status;
    const expired = this.o.now() > p.deadline;
    if (matches || expired) this.observe(p, matches, answer.status === null ? `no answer (${answer.error ?? "error"})` : `status ${answer.status}`);
    else this.pending.push(p);
  }

  private observe(p: Pending, matches: boolean, seen: string): void {
    const value: ObservationValue = { writeId: p.write.writeId, cluster: p.node.cluster, entity: p.write.entity, seen, matches };
    this.o.history.event("verifier", F.observe, value, { node: p.node.name });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }
}
