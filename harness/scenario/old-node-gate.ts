// Before `kong migrations finish`: does any old node still answer? Its proxy and Admin ports are
// probed with real connections, whatever the harness's own list of old nodes says (a node can be
// "stopped" in that list and still serve).
import { request } from "undici";
import type { OldNodeGateValue, OldNodeProbeValue, PortProbeValue } from "../checks/index.ts";

export interface OldNodeEndpoints { readonly node: string; readonly proxyUrl: string; readonly adminUrl: string }

const PROBE_TIMEOUT_MS = 2_000;

/** One real HTTP request: any answer (whatever its status) means something still listens and serves. */
export async function probePort(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<PortProbeValue> {
  try {
    const res = await request(url, { method: "GET", headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump();
    return { url, answered: true, detail: `answered ${res.statusCode}` };
  } catch (err) {
    const code = (err as { code?: string }).code;
    // A port that accepts and then hangs still belongs to a live process: only a refusal is silence.
    const silent = code === "ECONNREFUSED" || code === "ECONNRESET" || code === "UND_ERR_SOCKET";
    return { url, answered: !silent, detail: silent ? `refused (${code})` : `did not answer within ${timeoutMs} ms but accepted the connection (${code ?? String(err)})` };
  }
}

/** Probes every endpoint (at once); `inList`: node names the harness still counts as running. */
export async function probeOldNodes(endpoints: readonly OldNodeEndpoints[], inList: ReadonlySet<string>): Promise<OldNodeGateValue> {
  const nodes: OldNodeProbeValue[] = await Promise.all(endpoints.map(async (e) => {
    const [proxy, admin] = await Promise.all([probePort(e.proxyUrl), probePort(`${e.adminUrl}/status`)]);
    return { node: e.node, proxy, admin, inHarnessList: inList.has(e.node) };
  }));
  return { nodes, answering: nodes.filter((x) => x.proxy.answered || x.admin.answered || x.inHarnessList).map((x) => x.node) };
}

export const describeAnswering = (g: OldNodeGateValue): string =>
  g.nodes.filter((x) => g.answering.includes(x.node))
    .map((x) => `${x.node} (proxy ${x.proxy.url} ${x.proxy.detail}, Admin API ${x.admin.url} ${x.admin.detail}${x.inHarnessList ? ", still in the harness's old cluster" : ""})`).join("; ");
