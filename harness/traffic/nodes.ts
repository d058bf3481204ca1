// The harness's view of the two clusters behind the load balancer: which cluster each server is,
// whether it is draining, and what HAProxy last said about its health and requests in progress.
import { InvalidConfigError } from "../errors.ts";

export type ClusterName = "blue" | "green";
export const CLUSTERS: readonly ClusterName[] = ["blue", "green"];

/** A Kong node's proxy as the load balancer reaches it (a mapped container port on 127.0.0.1). */
export interface BackendNode {
  /** Unique across both clusters, e.g. "blue-1"; also its HAProxy server name. */
  readonly name: string;
  /** Origin of the node's proxy, e.g. "http://127.0.0.1:49153". */
  readonly url: string;
  /** Origin of its Admin API: health checks on `GET /status` go there. */
  readonly adminUrl?: string;
}

export interface NodeState {
  readonly name: string;
  readonly cluster: ClusterName;
  url: string;
  host: string;
  port: number;
  /** Its Admin API port, when it was given one. */
  adminPort?: number;
  /** No new requests; in-flight ones finish. */
  draining: boolean;
  /** False while health checks keep the node out of rotation. */
  healthy: boolean;
  /** Requests in progress, as HAProxy last said. */
  inFlight: number;
}

export type DrainTarget = ClusterName | { readonly node: string };

/** Host and port of a node's proxy URL; throws a configuration error naming the node. */
export function addressOf(node: BackendNode): { host: string; port: number; url: string; adminPort?: number } {
  if (!URL.canParse(node.url)) throw new InvalidConfigError([`node "${node.name}": not a URL: ${node.url}`]);
  const u = new URL(node.url);
  if (u.protocol !== "http:") throw new InvalidConfigError([`node "${node.name}": only http:// proxies are supported, got ${node.url}`]);
  if (!/^[A-Za-z0-9._-]+$/.test(node.name)) throw new InvalidConfigError([`node "${node.name}": a node name may only hold letters, digits, ".", "_" and "-"`]);
  const admin = node.adminUrl !== undefined && URL.canParse(node.adminUrl) ? new URL(node.adminUrl) : undefined;
  if (node.adminUrl !== undefined && !admin) throw new InvalidConfigError([`node "${node.name}": not a URL: ${node.adminUrl}`]);
  return { host: u.hostname, port: Number(u.port || 80), url: u.origin, ...(admin ? { adminPort: Number(admin.port || 80) } : {}) };
}

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeState>();

  add(cluster: ClusterName, node: BackendNode, healthy: boolean): NodeState {
    if (this.nodes.has(node.name)) throw new InvalidConfigError([`node "${node.name}" is already in the load balancer`]);
    const state: NodeState = { name: node.name, cluster, ...addressOf(node), draining: false, healthy, inFlight: 0 };
    this.nodes.set(node.name, state);
    return state;
  }

  remove(name: string): void {
    this.nodes.delete(name);
  }

  get(name: string): NodeState {
    const node = this.nodes.get(name);
    if (!node) throw new InvalidConfigError([`node "${name}" is not in the load balancer (nodes: ${[...this.nodes.keys()].join(", ") || "none"})`]);
    return node;
  }

  has(name: string): boolean {
    return this.nodes.has(name);
  }

  list(cluster?: ClusterName): NodeState[] {
    const all = [...this.nodes.values()];
    return cluster === undefined ? all : all.filter((n) => n.cluster === cluster);
  }

  /** Nodes a drain target designates (throws on an unknown node). */
  resolve(target: DrainTarget): NodeState[] {
    return typeof target === "string" ? this.list(target) : [this.get(target.node)];
  }
}

export function describeTarget(target: DrainTarget): string {
  return typeof target === "string" ? `cluster "${target}"` : `node "${target.node}"`;
}
