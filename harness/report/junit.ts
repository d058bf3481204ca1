// junit.xml for CI test tabs: one <testcase> per check (a failed check is a <failure>, an unknown
// one an <error>, each with its message and evidence; an accepted failure passes, its message and
// the accept entry's reason in <system-out>). A run in which no check ran gets a single
// "checks-ran" error case, so CI never shows an empty green suite.
import { isPreExistingNote } from "../checks/pre-existing.ts";
import { acceptanceLine, type ReportCheck } from "./accepted.ts";
import { hopAsReport, pathChecks } from "./path-report.ts";
import type { Report } from "./report.ts";

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Escapes text for XML 1.0 content and attributes; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "").replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

const MAX_EVIDENCE = 200;

function caseXml(c: ReportCheck, classname: string): string {
  const open = `    <testcase classname="${xmlEscape(classname)}" name="${xmlEscape(c.id)}" time="0">`;
  if (c.status === "accepted") {
    const by = c.acceptedBy ? `accepted by entry ${c.acceptedBy.entry} of ${c.acceptedBy.file}: ${c.acceptedBy.reason}` : "accepted";
    return `${open}\n      <system-out>${xmlEscape(`ACCEPTED (a known failure, not failing the run): ${c.message}\n${by}`)}</system-out>\n    </testcase>`;
  }
  if (c.status === "pass") {
    // A behaviour the old version showed too is not a failure, but the reader must see it here as well.
    const notes = c.evidence.filter(isPreExistingNote);
    return notes.length ? `${open}\n      <system-out>${xmlEscape(notes.join("\n"))}</system-out>\n    </testcase>` : `${open}</testcase>`;
  }
  const tag = c.status === "fail" ? "failure" : "error";
  const lines = c.evidence.slice(0, MAX_EVIDENCE);
  const more = c.evidence.length > lines.length ? `\n… ${c.evidence.length - lines.length} more lines in report.json` : "";
  const body = xmlEscape(`${c.message}${c.notAccepted ? `\n(${c.notAccepted})` : ""}\n\n${lines.join("\n")}${more}`);
  return `${open}\n      <${tag} message="${xmlEscape(c.message)}" type="${c.status}">${body}</${tag}>\n    </testcase>`;
}

export interface JunitSuite { readonly name: string; readonly report: Report }

function suiteXml({ name, report }: JunitSuite): { xml: string; tests: number; failures: number; errors: number } {
  const classname = `kong-upgrade-harness.${report.scenario ?? "run"}`;
  // A run that could not judge the upgrade says why first, as an error case of its own.
  const notJudged: ReportCheck[] = report.errorCause ? [{ id: "run-completed", status: "unknown", message: `not judged: ${report.errorCause}`, evidence: [...report.errors] }] : [];
  const checks: ReportCheck[] = report.checks.length
    ? [...notJudged, ...report.checks]
    : notJudged.length ? notJudged : [{ id: "checks-ran", status: "unknown", message: `no check ran${report.interruptReason ? `: ${report.interruptReason}` : ""}`, evidence: [...report.errors] }];
  const failures = checks.filter((c) => c.status === "fail").length;
  const errors = checks.filter((c) => c.status === "unknown").length;
  const seconds = ((report.timings.durationMs ?? 0) / 1000).toFixed(3);
  const props = [
    ["verdict", report.verdict], ["standin", String(report.standin)], ["old", report.versions.old ?? ""], ["new", report.versions.new ?? ""],
    ["interrupted", String(report.interrupted)], ...(report.acceptances ? [["accepted", String(report.counts.accepted ?? 0)], ["acceptFile", report.acceptances.file]] : []), ...(report.errorCause ? [["errorCause", report.errorCause]] : []), ...report.images.map((i) => [`image.${i.role}`, `${i.ref}${i.id ? ` ${i.id}` : ""}`]),
  ].map(([k, v]) => `      <property name="${xmlEscape(k!)}" value="${xmlEscape(v!)}"/>`).join("\n");
  const errText = [...report.errors, ...(report.interrupted ? [`interrupted: ${report.interruptReason ?? "yes"}`] : [])];
  // Each accept entry's outcome (a stale or expired one is news for the team, not a failure).
  const outText = (report.acceptances?.entries ?? []).map(acceptanceLine);
  const xml = `  <testsuite name="${xmlEscape(name)}" tests="${checks.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds}"${report.timings.startedAt ? ` timestamp="${xmlEscape(report.timings.startedAt.replace(/Z$/, ""))}"` : ""}>\n`
    + `    <properties>\n${props}\n    </properties>\n${checks.map((c) => caseXml(c, classname)).join("\n")}\n`
    + (outText.length ? `    <system-out>${xmlEscape(outText.join("\n"))}</system-out>\n` : "")
    + (errText.length ? `    <system-err>${xmlEscape(errText.join("\n"))}</system-err>\n` : "") + `  </testsuite>`;
  return { xml, tests: checks.length, failures, errors };
}

/** The suite name of a run: "postgres-blue-green 1.5.1 -> 2.6.0". */
export const suiteName = (r: Report): string => `${r.scenario ?? "run"}${r.versions.old || r.versions.new ? ` ${r.versions.old ?? "?"} -> ${r.versions.new ?? "?"}` : ""}`;

/** junit.xml for one or more runs (one <testsuite> each). */
export function renderJunit(suites: readonly JunitSuite[], name = "kong-upgrade-harness"): string {
  const parts = suites.map(suiteXml);
  const sum = (k: "tests" | "failures" | "errors"): number => parts.reduce((a, p) => a + p[k], 0);
  const time = suites.reduce((a, s) => a + (s.report.timings.durationMs ?? 0), 0) / 1000;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(name)}" tests="${sum("tests")}" failures="${sum("failures")}" errors="${sum("errors")}" time="${time.toFixed(3)}">\n`
    + `${parts.map((p) => p.xml).join("\n")}\n</testsuites>\n`;
}

/** A path's suites: one per hop, its test cases named like the report's checks (`hop-1-zero-failed-requests`). */
export function hopSuites(report: Report): JunitSuite[] {
  return (report.hops ?? []).map((h) => ({
    name: `hop ${h.index}: ${suiteName({ ...hopAsReport(h, report), scenario: h.procedure })}`,
    report: { ...hopAsReport(h, report), checks: pathChecks([h]) },
  }));
}
