// Sends probes straight to one node's proxy (not through the load balancer) and compares the
// answers with what each probe expects: how a node is judged ready, and how an old node started
// after finish is judged to serve correct answers.
import { request } from "undici";
import { probeBody, type Probe } from "./seed.ts";

export interface ProbeAnswer {
  readonly probe: string; readonly status: number | null; readonly fromUpstream: boolean; readonly error?: string;
  /** Response headers (lower-case names), to say what differed when the answer is not the baseline's. */
  readonly headers?: Readonly<Record<string, string>>;
}

export async function sendProbe(proxyUrl: string, probe: Probe, timeoutMs = 5_000): Promise<ProbeAnswer> {
  try {
    const res = await request(`${proxyUrl}${probe.path}`, {
      method: probe.method as "GET", headers: { ...probe.headers }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      ...(probeBody(probe) !== undefined ? { body: probeBody(probe) } : {}),
    });
    await res.body.dump();
    const headers = Object.fromEntries(Object.entries(res.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(", ") : v]])));
    return { probe: probe.name, status: res.statusCode, fromUpstream: res.headers["x-echo"] === "1", headers };
  } catch (err) {
    return { probe: probe.name, status: null, fromUpstream: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** A correct answer: an expected status, and from the upstream exactly when a 200 is expected there. */
export function answerMatches(probe: Probe, a: ProbeAnswer): boolean {
  if (a.status === null || !probe.expect.includes(a.status)) return false;
  return a.status !== 200 || !probe.fromUpstream || a.fromUpstream;
}

/** Response headers that follow the body or the moment, never worth naming as missing. */
const INCIDENTAL = new Set(["content-length", "transfer-encoding", "date", "connection", "keep-alive"]);

/**
 * One answer that is not the baseline's, in words that say what differed: "keyauth-ok got 401",
 * "public-get got 200: x-echo missing: the answer did not come from the upstream", and, given an old
 * node's answer to the same probe with the same status, the response headers it sent and this one
 * did not ("; x-ratelimit-remaining-second missing on green-1 (blue-1 sent it)"). Starts with
 * "<probe> got <status or error>", which probe-answers.ts reads back.
 */
export function describeMismatch(a: ProbeAnswer, node: string, reference?: ProbeAnswer & { readonly node: string }): string {
  if (a.status === null) return `${a.probe} got ${a.error ?? "no answer"}`;
  let text = `${a.probe} got ${a.status}`;
  if (a.status === 200 && !a.fromUpstream) text += ": x-echo missing: the answer did not come from the upstream";
  if (reference && reference.status === a.status && reference.headers && a.headers) {
    const missing = Object.keys(reference.headers).filter((h) => !INCIDENTAL.has(h) && !(h in a.headers!) && h !== "x-echo").sort();
    if (missing.length) text += `; ${missing.join(", ")} missing on ${node} (${reference.node} sent ${missing.length === 1 ? "it" : "them"})`;
  }
  return text;
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
