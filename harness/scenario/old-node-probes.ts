// After `up`, read the datastore afresh through old nodes, where the running ones would hide a
// damage behind their caches: a cold old node started beside them, and a running old node made to
// rebuild its router and plugins iterator by an unrelated config change. Each records what the
// seed probes answered (probe-answers); the check cold-old-node-parity judges them.
import { F, type ProbeAnswersValue } from "../checks/index.ts";
import type { RunRecorder } from "./run-recorder.ts";
import type { StartedDatastore } from "../datastore/types.ts";
import type { StartedKongCluster } from "../kong/cluster.ts";
import { KongContainer, type KongTuning, type StartedKongContainer } from "../kong/kong-container.ts";
import { KongNodeExitedError } from "../kong/kong-wait.ts";
import { onCleanup } from "../runtime/cleanup.ts";
import { probeAll, type ProbeAnswer } from "./probes.ts";
import type { Probe } from "./seed.ts";
import { ScenarioStepError } from "./scenario-base.ts";

/** A node that just started (or just rebuilt) may need a moment; damage never settles, so the budget is short. */
const SETTLE_MS = 3_000;
/** The throwaway route the rebuild creates and deletes again (through the old cluster's Admin API). */
const REBUILD_ROUTE = "kuh-rebuild";

const toValue = (a: ProbeAnswer): ProbeAnswersValue["answers"][number] =>
  ({ probe: a.probe, status: a.status, fromUpstream: a.fromUpstream, ...(a.error ? { error: a.error } : {}) });

/** Probes until every answer is the baseline's or the budget ends; returns the last answers. */
export async function settledAnswers(proxyUrl: string, probes: readonly Probe[], budgetMs = SETTLE_MS): Promise<ProbeAnswer[]> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const { answers, mismatches } = await probeAll(proxyUrl, probes);
    if (mismatches.length === 0 || Date.now() >= deadline) return answers;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface ColdNodeOptions {
  readonly rec: RunRecorder;
  /** The run's probes, with their baseline answers. */
  readonly probes: readonly Probe[];
  readonly image: string;
  readonly name: string;
  readonly datastore: StartedDatastore;
  readonly tuning: KongTuning;
  /** Called with the node once it runs, before it is probed (the finish gate remembers its ports). */
  readonly started?: (node: StartedKongContainer) => void;
}

/** Starts a cold old node, replays the seed probes on it, records them, stops it. */
export async function probeColdOldNode(o: ColdNodeOptions): Promise<void> {
  let node: StartedKongContainer;
  try {
    node = await new KongContainer(o.image, o.name).withDatastore(o.datastore).withTuning(o.tuning).withStartupTimeout(60_000).start();
  } catch (err) {
    if (!(err instanceof KongNodeExitedError)) throw err;
    const why = `did not start: exited ${err.exitCode}: ${`${err.stderr}\n${err.stdout}`.trim().split("\n").find((l) => /error/i.test(l)) ?? ""}`.trim();
    o.rec.history.event("harness", F.probeAnswers, {
      node: o.name, cluster: "blue", purpose: "cold-start", detail: why,
      answers: o.probes.map((p) => ({ probe: p.name, status: null, fromUpstream: false, error: why })),
    } satisfies ProbeAnswersValue, { node: o.name });
    return;
  }
  const unregister = onCleanup(`cold old node ${o.name}`, () => node.stop(false));
  try {
    o.started?.(node);
    const answers = await settledAnswers(node.getProxyUrl(), o.probes);
    o.rec.history.event("harness", F.probeAnswers, { node: o.name, cluster: "blue", purpose: "cold-start", detail: `started with ${o.image} after \`up\``, answers: answers.map(toValue) } satisfies ProbeAnswersValue, { node: o.name });
  } finally {
    unregister();
    await node.stop(false);
  }
}

/** An unrelated config change on a running old node (a throwaway route with a plugin), then the seed probes on it. */
export async function probeRebuiltOldNode(rec: RunRecorder, cluster: StartedKongCluster, node: StartedKongContainer, probes: readonly Probe[], service: string): Promise<void> {
  const admin = cluster.admin(node);
  try {
    const route = await admin.write<{ id: string }>("POST", `/services/${service}/routes`, { name: REBUILD_ROUTE, paths: [`/${REBUILD_ROUTE}`] });
    if (route.status !== 201) throw new ScenarioStepError(`creating route ${REBUILD_ROUTE} on old node "${node.name}" answered ${route.status}: ${JSON.stringify(route.body).slice(0, 300)}`);
    const plugin = await admin.write<{ id: string }>("POST", `/routes/${REBUILD_ROUTE}/plugins`, { name: "key-auth" });
    if (plugin.status !== 201) throw new ScenarioStepError(`creating a key-auth plugin on route ${REBUILD_ROUTE} on old node "${node.name}" answered ${plugin.status}: ${JSON.stringify(plugin.body).slice(0, 300)}`);
    const answers = await settledAnswers(node.getProxyUrl(), probes);
    await admin.write("DELETE", `/plugins/${plugin.body.id}`);
    await admin.write("DELETE", `/routes/${REBUILD_ROUTE}`);
    rec.history.event("harness", F.probeAnswers, {
      node: node.name, cluster: "blue", purpose: "rebuild",
      detail: `router and plugins rebuilt by route ${REBUILD_ROUTE} and its key-auth plugin, created through its Admin API`, answers: answers.map(toValue),
    } satisfies ProbeAnswersValue, { node: node.name });
  } finally {
    await admin.close();
  }
}
