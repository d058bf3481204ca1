// A named set of Kong nodes of one image ("blue" runs the old version, "green" the new one).
import type { StartedDatastore } from "../datastore/types.ts";
import { KongAdminClient } from "./admin-client.ts";
import { KongContainer, type KongTuning, DEFAULT_TUNING, type StartedKongContainer } from "./kong-container.ts";

export type ClusterName = "blue" | "green";

export interface WriteGate { allowed: boolean; reason?: string }

/** Extra KONG_* variables for one node, decided when it starts (e.g. its own route to the datastore through Toxiproxy). */
export type NodeEnv = (node: string) => Promise<Readonly<Record<string, string>>>;

export class KongCluster {
  private tuning: KongTuning = DEFAULT_TUNING;
  private perNodeFaults: Readonly<Record<string, string>> = {};
  private nodeEnv?: NodeEnv;

  constructor(readonly name: ClusterName, readonly image: string, readonly nodes: number) {}

  withNodeEnv(nodeEnv: NodeEnv | undefined): this { this.nodeEnv = nodeEnv; return this; }

  withTuning(tuning: KongTuning): this { this.tuning = tuning; return this; }
  /** Fault switches for single nodes, by node name (e.g. {"green-1": "proxy-5xx@rate=0.01"}). */
  withNodeFaults(faults: Readonly<Record<string, string>>): this { this.perNodeFaults = faults; return this; }

  async start(datastore: StartedDatastore, writeGate: () => WriteGate = () => ({ allowed: true })): Promise<StartedKongCluster> {
    const cluster = new StartedKongCluster(this.name, this.image, datastore, this.tuning, this.perNodeFaults, writeGate, this.nodeEnv);
    try {
      await cluster.addNodes(this.nodes);
    } catch (err) {
      await cluster.stop(false);
      throw err;
    }
    return cluster;
  }
}

export class StartedKongCluster implements AsyncDisposable {
  readonly nodes: StartedKongContainer[] = [];
  private counter = 0;

  constructor(
    readonly name: ClusterName, readonly image: string, private readonly datastore: StartedDatastore,
    private readonly tuning: KongTuning, private readonly perNodeFaults: Readonly<Record<string, string>>,
    private readonly writeGate: () => WriteGate,
    private readonly nodeEnv?: NodeEnv,
  ) {}

  nextNodeName(): string { return `${this.name}-${this.counter + 1}`; }

  /** Starts one more node (an autoscaler's cold start). */
  async addNode(): Promise<StartedKongContainer> {
    const [node] = await this.addNodes(1);
    return node!;
  }

  /**
   * Starts `count` more nodes side by side, as a deployment scaled up starts its pods; they are kept
   * in name order (`nodes[0]` is the first named) whichever answers first. When one fails to start,
   * the others that started are kept (so stopping the cluster stops them) and the first failure in
   * name order is thrown.
   */
  async addNodes(count: number): Promise<StartedKongContainer[]> {
    const names = Array.from({ length: count }, () => `${this.name}-${++this.counter}`);
    const started = await Promise.allSettled(names.map((name) => this.startNode(name)));
    const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    this.nodes.push(...nodes);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    return nodes;
  }

  private async startNode(name: string): Promise<StartedKongContainer> {
    const faults = [this.tuning.faults, this.perNodeFaults[name]].filter(Boolean).join(",");
    const extraEnv = this.nodeEnv ? { ...this.tuning.extraEnv, ...(await this.nodeEnv(name)) } : this.tuning.extraEnv;
    return new KongContainer(this.image, name).withDatastore(this.datastore)
      .withTuning({ ...this.tuning, faults: faults || undefined, ...(extraEnv ? { extraEnv } : {}) }).start();
  }

  admin(node: StartedKongContainer = this.nodes[0]!): KongAdminClient {
    return new KongAdminClient(node.name, () => node.getAdminUrl(), this.writeGate);
  }

  async removeNode(node: StartedKongContainer, graceful = true): Promise<void> {
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
    await node.stop(graceful);
  }

  async stop(graceful = true): Promise<void> {
    const nodes = this.nodes.splice(0);
    await Promise.allSettled(nodes.map((n) => n.stop(graceful)));
  }

  async [Symbol.asyncDispose](): Promise<void> { await this.stop(false); }
}
