// How each fault kind is injected and recovered, against live containers, the load balancer and
// Toxiproxy. Injection returns a handle whose recover() undoes the fault and says, in words, what
// recovery took (the report's "outcome"). The load balancer is never told about a fault: its health
// checks must find out, as a production one would; only a node that comes back on new host ports
// is re-registered, out of rotation until it passes health checks.
import { getContainerRuntimeClient } from "testcontainers";
import type { StartedDatastore } from "../datastore/types.ts";
import { HarnessError } from "../errors.ts";
import type { StartedKongContainer } from "../kong/kong-container.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import type { StartedLoadBalancer } from "../traffic/index.ts";
import type { DatastoreProxies } from "./datastore-proxies.ts";
import type { ClusterName, ResolvedFault, ResolvedTarget } from "./schedule.ts";

/** What the faults act on, looked up when a fault fires (nodes come and go during a run). */
export interface ChaosTargets {
  node(name: string): StartedKongContainer | undefined;
  nodeNames(scope: ClusterName | "all"): string[];
  lb(): StartedLoadBalancer | undefined;
  datastore(): StartedDatastore;
  proxies(): DatastoreProxies | undefined;
  /** Starts one more node of a cluster's image (cold), registered with its cluster; not yet in the load balancer. */
  startExtraNode(cluster: ClusterName): Promise<StartedKongContainer>;
  /**
   * A node the fault started (again) and that is running now: its readiness (`GET /status` against
   * the baseline probes) is watched beside the recovery and recorded (readiness-honest).
   */
  started(node: StartedKongContainer, faultId: string): void;
  /** A node that did not come back (its container is gone): out of the load balancer and its cluster. */
  lost(name: string): Promise<void>;
  now(): number;
}

export interface InjectedFault {
  /** Kong nodes the fault acted on. */
  readonly nodes: readonly string[];
  /** Undoes the fault; resolves with what recovery took, in words. */
  recover(): Promise<string>;
}

/** How long a node may take to start again and pass health checks. */
const RETURN_TIMEOUT_MS = 60_000;

/** A node that exited while starting again says why in its output: keep its tail in the error. */
async function startAgain(node: StartedKongContainer, timeoutMs: number): Promise<void> {
  try {
    await node.container.restart({ timeout: timeoutMs });
  } catch (err) {
    const out = err instanceof KongNodeExitedError ? `: ${`${err.stdout}\n${err.stderr}`.trim().slice(-600)}` : "";
    throw new HarnessError(`${err instanceof Error ? err.message : String(err)}${out}`, { cause: err });
  }
}

export async function injectFault(f: ResolvedFault, t: ChaosTargets): Promise<InjectedFault> {
  switch (f.kind) {
    case "kill": return stopNode(f, t, "kill");
    case "stop": return stopNode(f, t, "stop");
    case "pause": return pauseNode(f, t);
    case "restart": return restartNode(f, t);
    case "extra-node": return extraNode(f, t);
    case "datastore-restart": return restartDatastore(t);
    default: return toxic(f, t);
  }
}

function oneNode(f: ResolvedFault, t: ChaosTargets): StartedKongContainer {
  const target = f.target;
  const name = typeof target === "object" && "node" in target ? target.node : undefined;
  const node = name ? t.node(name) : undefined;
  if (!node) throw new HarnessError(`fault ${f.id}: node ${name ?? "(none)"} is not running (running: ${t.nodeNames("all").join(", ") || "none"})`);
  return node;
}

async function docker(node: StartedKongContainer) {
  return (await getContainerRuntimeClient()).container.getById(node.container.getId());
}

/** After the node's container runs again on new host ports: re-registered, back once healthy. */
async function returnToRotation(node: StartedKongContainer, t: ChaosTargets, since: number): Promise<string> {
  const lb = t.lb();
  if (!lb || !lb.nodes().some((n) => n.name === node.name)) return "started again (not in the load balancer)";
  await lb.replaceNode(node.name, node.getProxyUrl(), node.getAdminUrl());
  await lb.waitUntilHealthy(node.name, { timeoutMs: RETURN_TIMEOUT_MS });
  return `back in rotation ${Math.round(t.now() - since)}ms after recovery began`;
}

async function stopNode(f: ResolvedFault, t: ChaosTargets, how: "kill" | "stop"): Promise<InjectedFault> {
  const node = oneNode(f, t);
  const c = await docker(node);
  if (how === "kill") await c.kill({ signal: "SIGKILL" });
  else await c.stop({ t: 30 });
  return {
    nodes: [node.name],
    recover: async () => {
      const since = t.now();
      await startAgain(node, 0).catch(async (err: unknown) => { await t.lost(node.name); throw err; });
      t.started(node, f.id);
      return `${how === "kill" ? "killed (SIGKILL)" : "stopped gracefully"}; started again, ${await returnToRotation(node, t, since)}`;
    },
  };
}

async function pauseNode(f: ResolvedFault, t: ChaosTargets): Promise<InjectedFault> {
  const node = oneNode(f, t);
  const c = await docker(node);
  await c.pause();
  return {
    nodes: [node.name],
    recover: async () => {
      const since = t.now();
      await c.unpause();
      const lb = t.lb();
      if (lb?.nodes().some((n) => n.name === node.name)) await lb.waitUntilHealthy(node.name, { timeoutMs: RETURN_TIMEOUT_MS });
      return `frozen (docker pause); unpaused, in rotation ${Math.round(t.now() - since)}ms later`;
    },
  };
}

async function restartNode(f: ResolvedFault, t: ChaosTargets): Promise<InjectedFault> {
  const node = oneNode(f, t);
  const since = t.now();
  await startAgain(node, 30_000).catch(async (err: unknown) => { await t.lost(node.name); throw err; });
  t.started(node, f.id);
  const back = await returnToRotation(node, t, since);
  return { nodes: [node.name], recover: async () => `restarted (graceful stop, start); ${back}` };
}

async function extraNode(f: ResolvedFault, t: ChaosTargets): Promise<InjectedFault> {
  const cluster = (f.target as { extra: ClusterName }).extra;
  const lb = t.lb();
  if (!lb) throw new HarnessError(`fault ${f.id}: an extra node needs the load balancer running`);
  const since = t.now();
  const node = await t.startExtraNode(cluster);
  t.started(node, f.id);
  await lb.addNode(cluster, { name: node.name, url: node.getProxyUrl(), adminUrl: node.getAdminUrl() }, { untilHealthy: true });
  await lb.waitUntilHealthy(node.name, { timeoutMs: RETURN_TIMEOUT_MS });
  const outcome = `${node.name} (${node.image}) started cold and passed health checks ${Math.round(t.now() - since)}ms after its start began; it stays`;
  return { nodes: [node.name], recover: async () => outcome };
}

async function restartDatastore(t: ChaosTargets): Promise<InjectedFault> {
  const since = t.now();
  await t.datastore().restart();
  const outcome = `datastore restarted, ready again after ${Math.round(t.now() - since)}ms`;
  return { nodes: [], recover: async () => outcome };
}

/** The proxied clients a toxic acts on: a node, a cluster's nodes, or every node and migration command. */
function proxiedClients(target: ResolvedTarget, t: ChaosTargets): string[] {
  if (target === "datastore" || (typeof target === "object" && "extra" in target)) return [];
  if (target === "all") return [...t.nodeNames("all"), "migrations"];
  return "node" in target ? [target.node] : t.nodeNames(target.cluster);
}

async function toxic(f: ResolvedFault, t: ChaosTargets): Promise<InjectedFault> {
  const proxies = t.proxies();
  if (!proxies) throw new HarnessError(`fault ${f.id}: ${f.kind} needs the datastore behind Toxiproxy (chaos plan toxiproxy: true)`);
  const clients = proxiedClients(f.target, t);
  if (f.kind === "partition") {
    await onEach(clients, async (c) => { await proxies.setEnabled(c, false); return c; }, (c) => proxies.setEnabled(c, true));
    return { nodes: clients, recover: async () => { for (const c of clients) await proxies.setEnabled(c, true); return `partitioned from the datastore; reconnected (${clients.join(", ")})`; } };
  }
  const body = toxicBody(f);
  const toxics = await onEach(clients, (c) => proxies.proxy(c).addToxic(body), (x) => x.remove());
  return {
    nodes: clients,
    recover: async () => {
      for (const x of toxics) await x.remove();
      return `toxic ${body.type} ${JSON.stringify(body.attributes)} removed from ${clients.join(", ")}`;
    },
  };
}

/**
 * Applies a fault to each client in turn; when one fails, the ones already applied are undone
 * before the error goes on, so a fault that could not be injected leaves no client faulted.
 */
async function onEach<T>(clients: readonly string[], apply: (client: string) => Promise<T>, undo: (applied: T) => Promise<unknown>): Promise<T[]> {
  const applied: T[] = [];
  try {
    for (const c of clients) applied.push(await apply(c));
    return applied;
  } catch (err) {
    for (const a of applied) await undo(a).catch(() => undefined);
    throw err;
  }
}

function toxicBody(f: ResolvedFault): { name: string; type: "latency" | "bandwidth" | "timeout" | "reset_peer"; stream: "downstream"; toxicity: number; attributes: Record<string, number> } {
  const p = f.params;
  const base = { name: `fault-${f.id}`, stream: "downstream" as const, toxicity: 1 };
  switch (f.kind) {
    case "latency": return { ...base, type: "latency", attributes: { latency: p.latencyMs ?? 0, jitter: p.jitterMs ?? 0 } };
    case "bandwidth": return { ...base, type: "bandwidth", attributes: { rate: p.rateKBps ?? 1 } };
    case "timeout": return { ...base, type: "timeout", attributes: { timeout: p.timeoutMs ?? 0 } };
    default: return { ...base, type: "reset_peer", attributes: { timeout: p.timeoutMs ?? 0 } };
  }
}
