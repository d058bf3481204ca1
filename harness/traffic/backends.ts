// The load balancer's view of the two clusters: nodes that can be added, removed, drained and
// taken out by health checks while traffic flows, each with a keep-alive undici Pool.
import { Pool } from "undici";
import { InvalidConfigError } from "../errors.ts";

export type ClusterName = "blue" | "green";
export const CLUSTERS: readonly ClusterName[] = ["blue", "green"];

/** A Kong node's proxy as the load balancer reaches it (a mapped container port on 127.0.0.1). */
export interface BackendNode {
  /** Unique across both clusters, e.g. "blue-1". */
  readonly name: string;
  /** Origin of the node's proxy, e.g. "http://127.0.0.1:49153". */
  readonly url: string;
}

export interface NodeState extends BackendNode {
  readonly cluster: ClusterName;
  readonly pool: Pool;
  inFlight: number;
  /** No new requests; in-flight ones finish. */
  draining: boolean;
  /** False while health checks keep the node out of rotation. */
  healthy: boolean;
  /** Removed from the balancer; its pool closes once its requests are done. */
  removed: boolean;
}

export type DrainTarget = ClusterName | { readonly node: string };

export class Backends {
  private readonly nodes = new Map<string, NodeState>();
  private readonly cursor: Record<ClusterName, number> = { blue: 0, green: 0 };

  /** `healthy: false`: the node waits out of rotation until health checks pass (a node that joins or returns). */
  add(cluster: ClusterName, node: BackendNode, healthy = true): NodeState {
    if (this.nodes.has(node.name)) throw new InvalidConfigError([`node "${node.name}" is already in the load balancer`]);
    if (!URL.canParse(node.url)) throw new InvalidConfigError([`node "${node.name}": not a URL: ${node.url}`]);
    const origin = new URL(node.url).origin;
    const state: NodeState = {
      name: node.name, url: origin, cluster,
      pool: new Pool(origin, { pipelining: 1, keepAliveTimeout: 4_000, connect: { timeout: 5_000 } }),
      inFlight: 0, draining: false, healthy, removed: false,
    };
    this.nodes.set(node.name, state);
    return state;
  }

  /** Takes the node out at once; its pool closes when its in-flight requests are done. */
  async remove(name: string): Promise<void> {
    const node = this.get(name);
    node.removed = true;
    this.nodes.delete(name);
    await node.pool.close();
  }

  get(name: string): NodeState {
    const node = this.nodes.get(name);
    if (!node) throw new InvalidConfigError([`node "${name}" is not in the load balancer (nodes: ${[...this.nodes.keys()].join(", ") || "none"})`]);
    return node;
  }

  list(cluster?: ClusterName): NodeState[] {
    const all = [...this.nodes.values()];
    return cluster === undefined ? all : all.filter((n) => n.cluster === cluster);
  }

  /**
   * Round-robin over the cluster's routable nodes (healthy, not draining), skipping `exclude`;
   * undefined when none. `panic`: when no node of the cluster is healthy, unhealthy ones are tried too.
   */
  pick(cluster: ClusterName, exclude?: ReadonlySet<string>, panic = false): NodeState | undefined {
    const open = this.list(cluster).filter((n) => !n.draining && !exclude?.has(n.name));
    const healthy = open.filter((n) => n.healthy);
    const anyHealthy = this.list(cluster).some((n) => n.healthy && !n.draining);
    const candidates = healthy.length > 0 || !panic || anyHealthy ? healthy : open;
    if (candidates.length === 0) return undefined;
    const node = candidates[this.cursor[cluster] % candidates.length];
    // Retries (exclude non-empty) do not move the cursor: the round-robin stays fair per request.
    if (!exclude || exclude.size === 0) this.cursor[cluster] = (this.cursor[cluster] + 1) % 1_000_000_007;
    return node;
  }

  /** Nodes a drain target designates (throws on an unknown node). */
  resolve(target: DrainTarget): NodeState[] {
    return typeof target === "string" ? this.list(target) : [this.get(target.node)];
  }

  /** Closes every pool at once, failing what is still in flight. */
  async destroyAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.pool.destroy()));
    this.nodes.clear();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.pool.close()));
    this.nodes.clear();
  }
}

export function describeTarget(target: DrainTarget): string {
  return typeof target === "string" ? `cluster "${target}"` : `node "${target.node}"`;
}
