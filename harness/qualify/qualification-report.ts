// The qualification report of a matrix: qualification.json, index.html (a verdict per pair and
// overall, links to each run's report.html) and junit.xml (one suite per pair, a case per check).
import { join, relative } from "node:path";
import { esc } from "../report/html/index.ts";
import { renderJunit, suiteName, xmlEscape } from "../report/junit.ts";
import { writeAtomic } from "../report/render.ts";
import type { QualifyRequest } from "./matrix.ts";
import type { PairOutcome } from "./runner.ts";

export const QUALIFICATION_SCHEMA_VERSION = 1;
export const QUALIFICATION_FILES = { json: "qualification.json", html: "index.html", junit: "junit.xml", markdown: "summary.md" } as const;

export interface QualificationPair {
  readonly id: string;
  readonly from: string;
  readonly target: string;
  readonly datastore: string;
  readonly scenario: string;
  readonly oldImage: string;
  readonly newImage: string;
  readonly verdict: "pass" | "fail" | "error";
  readonly exitCode: number | null;
  /** Relative to the qualification folder. */
  readonly reportDir: string;
  readonly standin: boolean;
  readonly counts: { readonly pass: number; readonly fail: number; readonly unknown: number } | null;
  readonly failedChecks: readonly { readonly id: string; readonly status: string; readonly message: string }[];
  readonly durationMs: number;
  readonly error: string | null;
}

export interface Qualification {
  readonly schemaVersion: number;
  readonly target: string;
  readonly from: readonly string[];
  readonly datastores: readonly string[];
  readonly imageTemplate: string;
  /** pass only when every planned pair ran and passed. */
  readonly verdict: "pass" | "fail";
  readonly planned: number;
  readonly completed: number;
  readonly pairs: readonly QualificationPair[];
  readonly generatedAt: string;
}

export function qualification(request: QualifyRequest, planned: number, outcomes: readonly PairOutcome[], outDir: string, now: Date): Qualification {
  const pairs = outcomes.map((o): QualificationPair => ({
    id: o.pair.id, from: o.pair.from, target: o.pair.target, datastore: o.pair.datastore, scenario: o.pair.scenario,
    oldImage: o.pair.oldImage, newImage: o.pair.newImage, verdict: o.verdict, exitCode: o.exitCode,
    reportDir: relative(outDir, o.reportDir) || ".", standin: o.report?.standin ?? false, counts: o.report?.counts ?? null,
    failedChecks: (o.report?.checks ?? []).filter((c) => c.status !== "pass").map((c) => ({ id: c.id, status: c.status, message: c.message })),
    durationMs: Math.round(o.durationMs), error: o.error ?? null,
  }));
  const verdict = pairs.length === planned && planned > 0 && pairs.every((p) => p.verdict === "pass") ? "pass" : "fail";
  return { schemaVersion: QUALIFICATION_SCHEMA_VERSION, target: request.target, from: request.from, datastores: request.datastores,
    imageTemplate: request.imageTemplate, verdict, planned, completed: pairs.length, pairs, generatedAt: now.toISOString() };
}

export function qualificationHtml(q: Qualification): string {
  const rows = q.pairs.map((p) => `<tr class="${p.verdict}" data-pair="${esc(p.id)}" data-verdict="${p.verdict}"><td><strong>${p.verdict.toUpperCase()}</strong></td><td>${esc(p.from)} → ${esc(p.target)}</td><td>${esc(p.datastore)}</td>`
    + `<td><code>${esc(p.oldImage)}</code> → <code>${esc(p.newImage)}</code>${p.standin ? " <strong>(STAND-IN)</strong>" : ""}</td><td>${p.counts ? `${p.counts.fail} failed, ${p.counts.unknown} unknown, ${p.counts.pass} passed` : "–"}</td>`
    + `<td>${p.error ? esc(p.error) : p.failedChecks.map((c) => `<code>${esc(c.id)}</code>: ${esc(c.message)}`).join("<br>")}</td><td>${(p.durationMs / 1000).toFixed(0)} s</td>`
    + `<td><a href="${esc(p.reportDir)}/report.html">report.html</a></td></tr>`);
  const standin = q.pairs.some((p) => p.standin);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${q.verdict.toUpperCase()}: qualification of Kong ${esc(q.target)}</title><style>
body{font:14px/1.45 system-ui,sans-serif;max-width:1260px;margin:0 auto;padding:16px 24px}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eee}tr.pass td:first-child{color:#00704f}tr.fail td:first-child,tr.error td:first-child{color:#D55E00;background:repeating-linear-gradient(135deg,#fff3ec 0 8px,#ffe6d9 8px 16px)}
.verdict{font-size:26px;font-weight:800;padding:10px 14px;border:3px solid}.verdict.pass{border-color:#009E73;color:#00704f}.verdict.fail{border-color:#D55E00;color:#D55E00}
.banner{margin:10px 0;padding:10px 14px;border:2px dashed #8a6d00;background:#fff4cc}</style></head>
<body data-verdict="${q.verdict}"><h1>Qualification of Kong ${esc(q.target)}</h1>
<div class="verdict ${q.verdict}" id="verdict">${q.verdict === "pass" ? "✔ QUALIFIED" : "✘ NOT QUALIFIED"}: ${q.pairs.filter((p) => p.verdict === "pass").length} of ${q.planned} pairs passed${q.completed < q.planned ? ` (${q.planned - q.completed} not run)` : ""}</div>
${standin ? `<div class="banner"><strong>STAND-IN IMAGES.</strong> At least one pair ran against the project's stand-in, not Kong: this qualifies the harness, not a Kong release.</div>` : ""}
<table><thead><tr><th>verdict</th><th>upgrade</th><th>datastore</th><th>images</th><th>checks</th><th>failed checks / error</th><th>time</th><th>report</th></tr></thead><tbody>
${rows.join("\n")}</tbody></table>
<p>Source versions ${esc(q.from.join(", "))}; datastores ${esc(q.datastores.join(", "))}; images ${esc(q.imageTemplate)}. Generated ${esc(q.generatedAt)}.</p></body></html>
`;
}

function errorSuite(p: QualificationPair): string {
  return `  <testsuite name="${xmlEscape(`${p.id}`)}" tests="1" failures="0" errors="1" skipped="0" time="${(p.durationMs / 1000).toFixed(3)}">\n`
    + `    <testcase classname="kong-upgrade-harness.qualify" name="run-completed" time="0">\n      <error message="${xmlEscape(p.error ?? "the run could not be judged")}" type="error">${xmlEscape(p.error ?? "")}</error>\n    </testcase>\n  </testsuite>`;
}

export function qualificationJunit(q: Qualification, outcomes: readonly PairOutcome[]): string {
  const judged = outcomes.filter((o) => o.report !== null && o.verdict !== "error").map((o) => ({ name: `${o.pair.datastore}: ${suiteName(o.report!)}`, report: o.report! }));
  const xml = renderJunit(judged, `qualification of Kong ${q.target}`);
  const errors = q.pairs.filter((p) => p.verdict === "error").map(errorSuite);
  if (errors.length === 0) return xml;
  const n = errors.length;
  return xml.replace(/^(<testsuites [^>]*?)tests="(\d+)"([^>]*?)errors="(\d+)"/m, (_m, a: string, t: string, b: string, e: string) => `${a}tests="${Number(t) + n}"${b}errors="${Number(e) + n}"`)
    .replace("</testsuites>", `${errors.join("\n")}\n</testsuites>`);
}

export function qualificationMarkdown(q: Qualification): string {
  const rows = q.pairs.map((p) => `| ${p.verdict === "pass" ? "✅" : "❌"} ${p.verdict} | ${p.from} → ${p.target} | ${p.datastore} | ${p.counts ? `${p.counts.fail} failed / ${p.counts.pass} passed` : "–"} | ${(p.error ?? p.failedChecks.map((c) => c.id).join(", ")).replace(/\|/g, "\\|")} |`);
  return [`## ${q.verdict === "pass" ? "✅ QUALIFIED" : "❌ NOT QUALIFIED"}: Kong ${q.target}`, "",
    ...(q.pairs.some((p) => p.standin) ? ["> **Stand-in images**: this qualifies the harness, not a Kong release.", ""] : []),
    "| verdict | upgrade | datastore | checks | failing |", "|---|---|---|---|---|", ...rows, "", `${q.completed} of ${q.planned} planned runs completed.`, ""].join("\n");
}

/** Writes qualification.json, index.html, junit.xml and summary.md into outDir. */
export function writeQualification(outDir: string, q: Qualification, outcomes: readonly PairOutcome[]): Record<keyof typeof QUALIFICATION_FILES, string> {
  const paths = { json: join(outDir, QUALIFICATION_FILES.json), html: join(outDir, QUALIFICATION_FILES.html), junit: join(outDir, QUALIFICATION_FILES.junit), markdown: join(outDir, QUALIFICATION_FILES.markdown) };
  writeAtomic(paths.json, `${JSON.stringify(q, null, 2)}\n`);
  writeAtomic(paths.html, qualificationHtml(q));
  writeAtomic(paths.junit, qualificationJunit(q, outcomes));
  writeAtomic(paths.markdown, qualificationMarkdown(q));
  return paths;
}
