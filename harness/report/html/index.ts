// report.html: the self-contained HTML report and the pieces other renderers share.
export { renderHtml } from "./page.ts";
export type { HtmlInput } from "./page.ts";
export { readReport, reportView, worstPhaseP99 } from "./report-view.ts";
export type { AdminView, ReportView, WriteView } from "./report-view.ts";
export { sumSeries, timelineSeries } from "./timeline-data.ts";
export type { TimelineSeries } from "./timeline-data.ts";
export { markers, plannedWeights } from "./charts.ts";
export { esc } from "./html.ts";
