// The report area's import surface: report.json (always written), the console summary, and the
// offline re-check.
export { REPORT_SCHEMA_VERSION, assembleReport, verdictOf, writeReportSync } from "./report.ts";
export type { AdminSummary, ChaosSummary, ImageUse, MigrationOutput, Report, ReportInput } from "./report.ts";
export { applyAcceptances, countsText } from "./accepted.ts";
export type { AcceptanceOutcome, Acceptances, AcceptedBy, ReportCheck, ReportStatus } from "./accepted.ts";
export { readAcceptFile } from "./accept-file.ts";
export type { AcceptEntry, AcceptList } from "./accept-file.ts";
export { hopAsReport, hopCheckId, hopReport, pathChecks } from "./path-report.ts";
export { isPathRun, recheckPath } from "./path-recheck.ts";
export type { HopMeta, HopReport } from "./path-report.ts";
export { formatSummary } from "./summary.ts";
export type { SummaryOptions } from "./summary.ts";
export { analyzeRun, recheck } from "./analyze.ts";
export { requestTables } from "./tables.ts";
export type { LatencyByCluster, PhaseRow, StepRow } from "./tables.ts";
export { renderReports, REPORT_FILES } from "./render.ts";
export { renderJunit } from "./junit.ts";
export { renderMarkdown } from "./markdown.ts";
export { compareReports, DEFAULT_THRESHOLDS } from "./compare.ts";
export { createProgress, Progress } from "./progress.ts";
