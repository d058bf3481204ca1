// A written report judged again with an accept list, without re-running its checks (`compare
// --accept`): each failure the list matches becomes accepted, an earlier acceptance the list does
// not repeat fails again, and the counts and verdict follow. A path's hops are judged each with its
// own versions.
import type { AcceptList } from "./accept-file.ts";
import { applyAcceptances, mergeAcceptances } from "./accepted.ts";
import { pathChecks, type HopReport } from "./path-report.ts";
import { countsOf, verdictOf, type Report } from "./report.ts";

function rejudgeOne<R extends Pick<Report, "checks" | "versions" | "interrupted" | "errorCause" | "counts" | "verdict" | "acceptances">>(r: R, list: AcceptList, now: Date): R {
  const { checks, acceptances } = applyAcceptances(r.checks, r.versions, list, now);
  return { ...r, checks, acceptances, counts: countsOf(checks), verdict: verdictOf(checks, r.interrupted, r.errorCause ?? undefined) };
}

export function rejudgeReport(report: Report, list: AcceptList, now: Date = new Date()): Report {
  if (!report.hops?.length) return rejudgeOne(report, list, now);
  const hops: HopReport[] = report.hops.map((h) => (h.ran ? rejudgeOne(h, list, now) : h));
  const checks = pathChecks(hops);
  const acceptances = mergeAcceptances(hops.filter((h) => h.acceptances).map((h) => ({ label: `hop ${h.index}`, prefix: `hop-${h.index}-`, acceptances: h.acceptances! }))) ?? null;
  return { ...report, hops, checks, acceptances, counts: countsOf(checks), verdict: verdictOf(checks, report.interrupted, report.errorCause ?? undefined) };
}
