// The nemesis: Jepsen's client for faults. It watches the run's history for the phase, step or
// time each fault waits for, injects it, holds it for its duration, recovers it, and records the
// whole window as one "fault" op (process "nemesis:<id>", since faults may overlap). A fault whose
// trigger can no longer come is recorded as failed, so a run never claims a fault it did not make.
import { F, type ChaosScheduleValue, type FaultValue, type History, type Op } from "../checks/index.ts";
import { injectFault, type ChaosTargets, type InjectedFault } from "./fault-injector.ts";
import { describeTarget, describeTrigger, type ResolvedFault } from "./schedule.ts";
import { RunPosition } from "./triggers.ts";

export interface NemesisOptions {
  readonly history: History;
  readonly schedule: readonly ResolvedFault[];
  readonly targets: ChaosTargets;
  readonly seed: number;
  readonly loadBalancer: Readonly<Record<string, unknown>>;
  readonly toxiproxy: boolean;
  /** How often triggers are evaluated; default 50 ms. */
  readonly pollMs?: number;
}

/** The one node a fault names (node faults, a toxic on one node); none for wider targets. */
function targetNodes(f: ResolvedFault): string[] {
  return typeof f.target === "object" && "node" in f.target ? [f.target.node] : [];
}

export class Nemesis {
  private readonly position = new RunPosition();
  private readonly pending: ResolvedFault[];
  private readonly running = new Set<Promise<void>>();
  /** Nodes a running fault acts on: a fault on the same node waits until it recovered (faults on one node never overlap). */
  private readonly busy = new Set<string>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: NemesisOptions) {
    this.pending = [...o.schedule];
  }

  /** Records the resolved schedule and starts watching for triggers. */
  start(): void {
    const value: ChaosScheduleValue = {
      seed: this.o.seed, toxiproxy: this.o.toxiproxy, loadBalancer: this.o.loadBalancer,
      faults: this.o.schedule.map((f) => ({ id: f.id, kind: f.kind, target: describeTarget(f.target), at: describeTrigger(f.trigger), expect: f.expect })),
    };
    this.o.history.event("nemesis", F.chaosSchedule, value);
    this.timer = setInterval(() => this.tick(), this.o.pollMs ?? 50);
  }

  /** Faults started and not yet recovered. */
  get active(): number {
    return this.running.size;
  }

  /** Resolves once every fault started so far has recovered (later ones may still start). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops triggering; faults still held are recovered now; faults never triggered are recorded as not injected. */
  async stop(reason = "the run ended before its trigger came"): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await Promise.allSettled([...this.running]);
    for (const f of this.pending.splice(0)) this.notInjected(f, reason);
  }

  private tick(): void {
    this.position.update(this.o.history.all());
    const now = this.o.targets.now();
    for (const f of [...this.pending]) {
      const due = this.position.due(f.trigger, now);
      if (due.state === "wait" || (due.state === "fire" && targetNodes(f).some((n) => this.busy.has(n)))) continue;
      this.pending.splice(this.pending.indexOf(f), 1);
      if (due.state === "missed") this.notInjected(f, due.reason);
      else this.launch(f);
    }
  }

  private launch(f: ResolvedFault): void {
    const nodes = targetNodes(f);
    nodes.forEach((n) => this.busy.add(n));
    const p = this.run(f).finally(() => {
      this.running.delete(p);
      nodes.forEach((n) => this.busy.delete(n));
    });
    this.running.add(p);
  }

  private value(f: ResolvedFault, nodes: readonly string[], outcome?: string): FaultValue {
    return {
      id: f.id, kind: f.kind, target: describeTarget(f.target), nodes, params: { ...f.params, forMs: f.forMs },
      at: describeTrigger(f.trigger), expect: f.expect, ...(outcome !== undefined ? { outcome } : {}),
    };
  }

  private notInjected(f: ResolvedFault, reason: string): void {
    const inv = this.o.history.invoke(`nemesis:${f.id}`, F.fault, this.value(f, []));
    this.o.history.fail(inv, `not injected: ${reason}`);
  }

  private async run(f: ResolvedFault): Promise<void> {
    const target = f.target;
    const node = typeof target === "object" && "node" in target ? target.node : undefined;
    const inv: Op = this.o.history.invoke(`nemesis:${f.id}`, F.fault, this.value(f, node ? [node] : []), node ? { node } : {});
    let injected: InjectedFault;
    try {
      injected = await injectFault(f, this.o.targets);
    } catch (err) {
      this.o.history.fail(inv, `injection failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    await this.hold(f.forMs);
    try {
      const outcome = await injected.recover();
      this.o.history.ok(inv, this.value(f, injected.nodes, outcome));
    } catch (err) {
      // Injected but not undone: its effect may last to the end of the run.
      this.o.history.info(inv, `recovery failed: ${err instanceof Error ? err.message : String(err)}`, this.value(f, injected.nodes));
    }
  }

  /** Holds a fault for its duration; cut short when the run stops, so teardown never waits on a fault. */
  private hold(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void { clearTimeout(timer); resolve(); }
      this.stopping.signal.addEventListener("abort", done, { once: true });
    });
  }
}
