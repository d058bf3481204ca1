// `kong-upgrade-harness check <run-dir>` for a multi-hop path: every hop that ran is re-checked
// from its own folder's files (with its own check list), and the one report.json is rewritten.
import { join } from "node:path";
import { checksById, loadRunContext, readExpectations, RUN_FILES } from "../checks/index.ts";
import type { AcceptList } from "./accept-file.ts";
import { analyzeRun } from "./analyze.ts";
import { readReport } from "./html/report-view.ts";
import { hopReport, pathChecks, type HopReport } from "./path-report.ts";
import { writeReportSync, type Report } from "./report.ts";

async function recheckHop(runDir: string, h: HopReport, accept?: AcceptList): Promise<HopReport> {
  if (!h.ran) return h;
  const dir = join(runDir, h.dir);
  const analysis = await analyzeRun(await loadRunContext(dir), checksById(readExpectations(dir).checks));
  return hopReport({ index: h.index, from: h.from, to: h.to, procedure: h.procedure, dir: h.dir, failedStep: h.failedStep }, {
    ...analysis, ...(accept ? { accept } : {}), scenario: h.scenario ?? h.procedure, images: h.images, versions: { ...(h.versions.old ? { old: h.versions.old } : {}), ...(h.versions.new ? { new: h.versions.new } : {}) },
    ...(h.timings.startedAt ? { startedAt: h.timings.startedAt } : {}), ...(h.timings.finishedAt ? { finishedAt: h.timings.finishedAt } : {}),
    interrupted: h.interrupted, ...(h.interruptReason ? { interruptReason: h.interruptReason } : {}), errors: h.errors,
  });
}

/** True when the run directory holds a path's report (report.json with `hops`). */
export function isPathRun(runDir: string): boolean {
  try {
    return (readReport(join(runDir, RUN_FILES.report)).hops?.length ?? 0) > 0;
  } catch {
    return false;
  }
}

/** Every hop re-checked from its folder (each judged with the accept list, with its own versions). */
export async function recheckPath(runDir: string, now: Date = new Date(), accept?: AcceptList): Promise<{ report: Report; path: string }> {
  const prev = readReport(join(runDir, RUN_FILES.report));
  const hops: HopReport[] = [];
  for (const h of prev.hops ?? []) hops.push(await recheckHop(runDir, h, accept));
  return writeReportSync(runDir, {
    ...(prev.runId ? { runId: prev.runId } : {}), ...(prev.scenario ? { scenario: prev.scenario } : {}),
    ...(prev.timings.startedAt ? { startedAt: prev.timings.startedAt } : {}), ...(prev.timings.finishedAt ? { finishedAt: prev.timings.finishedAt } : {}),
    interrupted: prev.interrupted, ...(prev.interruptReason ? { interruptReason: prev.interruptReason } : {}),
    images: prev.images, versions: { ...(prev.versions.old ? { old: prev.versions.old } : {}), ...(prev.versions.new ? { new: prev.versions.new } : {}) },
    errors: prev.errors, checks: pathChecks(hops), hops, recheckedAt: now.toISOString(),
  });
}
