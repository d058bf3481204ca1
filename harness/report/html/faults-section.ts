// The faults of a chaos run in report.html: a strip of fault windows on the timeline's time axis
// (under the phase strip), vertical markers at each fault's start for the charts, and a table of
// every fault with its expectation and what it did. Absent in a run without a fault schedule.
import type { FaultRow } from "../../checks/index.ts";
import type { ChaosSummary } from "../report.ts";
import { badge, esc, failureText, num, table } from "./html.ts";
import { M, PALETTE, WIDTH, clock, type Marker } from "./svg.ts";

export function faultMarkers(chaos: ChaosSummary | undefined): Marker[] {
  return (chaos?.faults ?? []).filter((f) => f.state !== "not injected").map((f) => ({ x: f.startMs / 1000, label: `fault ${f.id}`, kind: "fault" }));
}

const expectText = (f: FaultRow): string =>
  f.expect.kind === "budget" ? `budget ≤ ${num(f.expect.maxFailures)}` : f.expect.kind + (f.graceMs ? ` (grace ${num(f.graceMs)} ms)` : "");

/** One band per fault window (its grace hatched lighter), rows alternating so overlaps stay readable. */
export function faultStrip(chaos: ChaosSummary | undefined, seconds: number): string {
  const faults = (chaos?.faults ?? []).filter((f) => f.state !== "not injected");
  if (faults.length === 0) return "";
  const plotW = WIDTH - M.left - M.right;
  const x = (ms: number): number => M.left + (ms / 1000 / Math.max(1, seconds)) * plotW;
  const bands = faults.map((f, i) => {
    const y = 6 + (i % 2) * 22;
    const end = f.endMs ?? seconds * 1000;
    const x0 = x(f.startMs);
    const w = Math.max(2, x(end) - x0);
    const g = Math.max(0, x(end + f.graceMs) - x(end));
    const color = f.verdict === "pass" ? "#7a7a7a" : PALETTE.failure;
    return `<g data-fault="${esc(f.id)}" data-verdict="${f.verdict}" data-start-ms="${Math.round(f.startMs)}"><rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="18" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`
      + (g > 0 ? `<rect x="${(x0 + w).toFixed(1)}" y="${y}" width="${g.toFixed(1)}" height="18" fill="${color}" fill-opacity="0.12" stroke="${color}" stroke-dasharray="2 2"/>` : "")
      + `<text x="${(x0 + 2).toFixed(1)}" y="${y + 13}" class="phase-label">${esc(f.id)}</text>`
      + `<title>${esc(`${f.id}: ${f.kind} ${f.target}, ${clock(f.startMs / 1000)}–${f.endMs === null ? "end of run" : clock(f.endMs / 1000)}, expect ${expectText(f)}, ${f.failures} failed`)}</title></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" id="fault-strip" class="chart" viewBox="0 0 ${WIDTH} 56" width="${WIDTH}" height="56" role="img" aria-label="Fault windows"><title>Fault windows (hatched: grace)</title>`
    + `<text x="${M.left - 6}" y="30" text-anchor="end" class="axis-label">faults</text>${bands.join("")}</svg>`;
}

const secs = (ms: number | null): string => (ms === null ? "end of run" : `${(ms / 1000).toFixed(1)} s`);

export function faultsSection(chaos: ChaosSummary | undefined): string {
  if (!chaos) return "";
  const rows = chaos.faults.map((f) => [
    badge(f.verdict), `<code>${esc(f.id)}</code>`, esc(`${f.kind} ${f.target}`), esc(f.at),
    esc(f.state === "not injected" ? "not injected" : `${secs(f.startMs)} – ${secs(f.endMs)}`), esc(expectText(f)),
    `${num(f.failures)} / ${num(f.requests)}`, num(f.retried), esc(failureText(f.byKind)), esc(failureText(f.byNode)),
    f.expect.kind === "proxy-unaffected" ? esc(`${f.adminWrites.ok} ok, ${f.adminWrites.fail} failed, ${f.adminWrites.info} unknown`) : "–",
    esc(f.problem ?? f.outcome),
  ]);
  const lb = chaos.loadBalancer as { retries?: unknown; healthCheck?: unknown; timeoutMs?: unknown; errorBudget?: unknown };
  return `<section id="faults" data-seed="${chaos.seed}"><h2>Faults (${chaos.faults.length})</h2>`
    + `<p>Seed <strong>${chaos.seed}</strong> (<code>run --seed ${chaos.seed}</code> replays the schedule) · datastore behind Toxiproxy: ${chaos.toxiproxy ? "yes" : "no"} · `
    + `${num(chaos.failedOutsideWindows)} failed requests outside every fault window.</p>`
    + `<p class="muted">Load balancer: retries ${esc(JSON.stringify(lb.retries ?? null))}; health check ${esc(JSON.stringify(lb.healthCheck ?? null))}; timeout ${esc(String(lb.timeoutMs ?? "?"))} ms; error budget ${esc(JSON.stringify(lb.errorBudget ?? null))}. `
    + `A failed request belongs to the fault acting on its node whose window (+ grace) it overlaps; fault-expectations replaces zero-failed-requests in a chaos run, so no failure is judged twice.</p>`
    + table(["verdict", "fault", "what", "scheduled", "window", "expectation", "failed / requests", "retried", "failures by kind", "failures by node", "Admin writes in window", "outcome"], rows, { cls: "faults", numeric: [7] })
    + `</section>`;
}
