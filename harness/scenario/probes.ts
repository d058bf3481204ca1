// Sends probes straight to one node's proxy (not through the load balancer) and compares the
// answers with what each probe expects: how a node is judged ready, and how an old node started
// after finish is judged to serve correct answers.
import { request } from "undici";
import type { Probe } from "./seed.ts";

export interface ProbeAnswer { readonly probe: string; readonly status: number | null; readonly fromUpstream: boolean; readonly error?: string }

export async function sendProbe(proxyUrl: string, probe: Probe, timeoutMs = 5_000): Promise<ProbeAnswer> {
  try {
    const res = await request(`${proxyUrl}${probe.path}`, {
      method: probe.method as "GET", headers: { ...probe.headers }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      ...(probe.method === "POST" || probe.method === "PUT" ? { body: "{}" } : {}),
    });
    await res.body.dump();
    return { probe: probe.name, status: res.statusCode, fromUpstream: res.headers["x-echo"] === "1" };
  } catch (err) {
    return { probe: probe.name, status: null, fromUpstream: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** A correct answer: an expected status, and from the upstream exactly when a 200 is expected there. */
export function answerMatches(probe: Probe, a: ProbeAnswer): boolean {
  if (a.status === null || !probe.expect.includes(a.status)) return false;
  return a.status !== 200 || !probe.fromUpstream || a.fromUpstream;
}

/** All probes at once: a node that hangs is judged in one timeout, not one per probe. */
export async function probeAll(proxyUrl: string, probes: readonly Probe[]): Promise<{ answers: ProbeAnswer[]; mismatches: ProbeAnswer[] }> {
  const answers = await Promise.all(probes.map((p) => sendProbe(proxyUrl, p)));
  return { answers, mismatches: answers.filter((a, i) => !answerMatches(probes[i]!, a)) };
}

/** Polls until every probe answers as expected (a node that is really ready), or the budget ends. */
export async function waitUntilServing(proxyUrl: string, probes: readonly Probe[], budgetMs: number, signal?: AbortSignal): Promise<{ ok: boolean; last: ProbeAnswer[] }> {
  const deadline = Date.now() + budgetMs;
  let last: ProbeAnswer[] = [];
  while (Date.now() < deadline && !signal?.aborted) {
    const { mismatches } = await probeAll(proxyUrl, probes);
    if (mismatches.length === 0) return { ok: true, last: [] };
    last = mismatches;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ok: false, last };
}
