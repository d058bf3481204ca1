// The sections of report.html below the charts, and the verdict block above them. Each takes the
// ReportView and returns HTML; text is always escaped.
import { countsText, type ReportCheck } from "../accepted.ts";
import { badge, clippedPre, esc, failureText, msText, num, pct, q, secText, table } from "./html.ts";
import type { ReportView, WriteView } from "./report-view.ts";
import { standinRefs, type Report } from "../report.ts";

const EVIDENCE_LINES = 40;
const WRITE_ROWS = 400;

export function title(v: ReportView): string {
  const r = v.report;
  const versions = r.versions.old || r.versions.new ? `${r.versions.old ?? "?"} → ${r.versions.new ?? "?"}` : "";
  return `Kong upgrade ${versions} ${r.scenario ? `(${r.scenario})` : ""}`.replace(/\s+/g, " ").trim();
}

const VERDICT_WORD: Record<Report["verdict"], string> = { pass: "✔ PASS", fail: "✘ FAIL", error: "⚠ ERROR" };

export function verdictBlock(v: ReportView): string {
  const r = v.report;
  const c = r.counts;
  const req = v.requests ? `${num(v.requests.failed)} of ${num(v.requests.total)} requests failed` : "no request data";
  return `<section id="verdict" class="verdict ${r.verdict}" data-verdict="${r.verdict}" data-fail="${c.fail}" data-unknown="${c.unknown}" data-pass="${c.pass}" data-accepted="${c.accepted ?? 0}">`
    + `<div class="verdict-word">${VERDICT_WORD[r.verdict]}</div>`
    + `<div><div class="verdict-title">${esc(title(v))}</div>`
    + `<div>${esc(countsText(c, Boolean(r.acceptances)))} · ${req} · run time ${secText(r.timings.durationMs)}</div>`
    + `<div class="muted">run ${esc(r.runId ?? "?")} · started ${esc(r.timings.startedAt ?? "?")} · report schema v${r.schemaVersion}${r.recheckedAt ? ` · re-checked ${esc(r.recheckedAt)}` : ""}</div></div></section>`;
}

export function banners(v: ReportView): string {
  const r = v.report;
  const out: string[] = [];
  if (r.errorCause) out.push(`<div class="banner error" id="error-banner" role="alert"><strong>NOT JUDGED.</strong> A step failed for a reason outside the upgrade: ${esc(r.errorCause)}. The checks below did not judge the upgrade.</div>`);
  if (r.standin) {
    const names = standinRefs(r).map(esc).join(", ");
    out.push(`<div class="banner standin" id="standin-banner" role="alert"><strong>STAND-IN IMAGES.</strong> This run used ${names}: the project's behavioural model of Kong, not Kong. It qualifies the harness and the model, not a Kong release.</div>`);
  }
  if (r.interrupted) out.push(`<div class="banner interrupted" role="alert"><strong>INTERRUPTED.</strong> ${esc(r.interruptReason ?? "the run did not complete")}; the checks judged a partial run.</div>`);
  for (const e of r.errors) out.push(`<div class="banner error" role="alert"><strong>Harness error:</strong> ${esc(e)}</div>`);
  return out.join("\n");
}

function evidence(c: ReportCheck): string {
  if (c.evidence.length === 0) return "";
  const shown = c.evidence.slice(0, EVIDENCE_LINES);
  const more = c.evidence.length - shown.length;
  return `<pre class="evidence">${esc(shown.join("\n"))}${more > 0 ? `\n… ${num(more)} more lines in report.json` : ""}</pre>`;
}

export function failedChecks(v: ReportView): string {
  if (v.failedChecks.length === 0) return `<section id="failed-checks"><h2>Failed checks</h2><p class="ok-text">None: every check passed.</p></section>`;
  const items = v.failedChecks.map((c) => `<article class="check ${c.status}" data-check="${esc(c.id)}" data-status="${c.status}">`
    + `<h3>${badge(c.status)} ${esc(c.id)}</h3><p>${esc(c.message)}</p>${c.notAccepted ? `<p class="muted">${esc(c.notAccepted)}</p>` : ""}${evidence(c)}</article>`);
  return `<section id="failed-checks"><h2>Failed checks (${v.failedChecks.length})</h2>${items.join("\n")}</section>`;
}

/** Failures an accept file acknowledged, and what each entry of the file did (matched, stale, out of range, expired). */
export function acceptedSection(v: ReportView): string {
  const a = v.report.acceptances;
  if (!a && v.acceptedChecks.length === 0) return "";
  const items = v.acceptedChecks.map((c) => `<article class="check accepted" data-check="${esc(c.id)}" data-status="accepted">`
    + `<h3>${badge("accepted")} ${esc(c.id)}</h3><p>${esc(c.message)}</p>`
    + (c.acceptedBy ? `<p><strong>Accepted</strong> by entry ${c.acceptedBy.entry} of <code>${esc(c.acceptedBy.file)}</code>: ${esc(c.acceptedBy.reason)}${c.acceptedBy.expires ? ` (until ${esc(c.acceptedBy.expires)})` : ""}</p>` : "")
    + `${evidence(c)}</article>`);
  const rows = (a?.entries ?? []).map((e) => [String(e.entry), `<code>${esc(e.check)}</code>`, esc(e.old ?? "any"), esc(e.new ?? "any"), esc(e.message ?? "–"), esc(e.expires ?? "–"),
    `<span class="state ${esc(e.state)}" data-entry="${e.entry}" data-state="${esc(e.state)}">${esc(e.state)}</span>`, esc(e.note), esc(e.reason)]);
  return `<section id="accepted"><h2>Accepted findings (${v.acceptedChecks.length})</h2>`
    + `<p class="muted">A failure an entry of the accept file matches (its check, the run's Kong versions in its ranges, its message text, not expired) is accepted: shown here, counted apart, not failing the verdict.</p>`
    + (items.length ? items.join("\n") : "<p>No failure was accepted.</p>")
    + (a ? `<h3>Accept file <code>${esc(a.file)}</code> (judged on ${esc(a.judgedOn)})</h3>${table(["entry", "check", "old", "new", "message contains", "expires", "outcome", "note", "reason"], rows, { cls: "acceptances" })}` : "")
    + `</section>`;
}

export function checksTable(v: ReportView): string {
  const rows = v.report.checks.map((c) => [badge(c.status), `<code>${esc(c.id)}</code>`, esc(c.message)]);
  return `<section id="checks"><h2>All checks</h2>${rows.length ? table(["status", "check", "message"], rows, { cls: "checks" }) : "<p>No checks ran.</p>"}</section>`;
}

export function stepsTable(v: ReportView): string {
  const steps = v.report.steps;
  if (steps.length === 0) return `<section id="steps"><h2>Shift steps</h2><p>No shift step was recorded.</p></section>`;
  const rows = steps.map((s) => [`${s.plannedWeight}%`, pct(s.achievedWeight), secText(s.endMs === null ? null : s.endMs - s.startMs), num(s.requests), esc(failureText(s.failures)),
    q(s.latencyMs.blue, "p50"), q(s.latencyMs.blue, "p95"), q(s.latencyMs.blue, "p99"), q(s.latencyMs.green, "p50"), q(s.latencyMs.green, "p95"), q(s.latencyMs.green, "p99")]);
  return `<section id="steps"><h2>Shift steps (green weight)</h2>${table(["planned", "achieved", "held", "requests", "failures", "old p50", "old p95", "old p99", "new p50", "new p95", "new p99"], rows, { numeric: [0, 1, 2, 3, 5, 6, 7, 8, 9, 10] })}</section>`;
}

export function phasesTable(v: ReportView): string {
  const rows = v.report.phases.map((p) => [esc(p.phase), p.outcome === "ok" ? "ok" : `<strong>${esc(p.outcome)}</strong>`, secText(p.startMs), secText(p.durationMs), num(p.requests), esc(failureText(p.failures)),
    q(p.latencyMs.blue, "p50"), q(p.latencyMs.blue, "p99"), q(p.latencyMs.green, "p50"), q(p.latencyMs.green, "p99")]);
  return `<section id="phases"><h2>Phases</h2>${rows.length ? table(["phase", "outcome", "start", "duration", "requests", "failures", "old p50", "old p99", "new p50", "new p99"], rows, { numeric: [2, 3, 4, 6, 7, 8, 9] }) : "<p>No phase was recorded.</p>"}</section>`;
}

function writeRow(w: WriteView): string[] {
  const lags = Object.entries(w.lags).sort((a, b) => a[1] - b[1]).map(([node, lag]) => `${esc(node)} ${w.type === "ok" ? msText(lag) : `at ${secText(lag)}`}`).join(", ");
  const problems = [...w.missingOn.map((n) => `missing on ${n}`), ...w.lateOn.map((n) => `late on ${n}`)];
  return [secText(w.invokedMs), esc(w.action), `<code>${esc(w.entity)}</code>`, esc(w.via ?? w.cluster), esc(w.during), w.type === "ok" ? "ok" : `<strong>${w.type === "info" ? "unknown" : "failed"}</strong>`,
    lags || "–", problems.length ? `<strong>${esc(problems.join(", "))}</strong>` : ""];
}

const hasProblem = (w: WriteView): boolean => w.type !== "ok" || w.missingOn.length > 0 || w.lateOn.length > 0;

/** The first WRITE_ROWS writes, and every later write that failed or was late or missing somewhere. */
export function writesShown(history: readonly WriteView[]): WriteView[] {
  return history.filter((w, i) => i < WRITE_ROWS || hasProblem(w));
}

export function adminSection(v: ReportView): string {
  const a = v.admin;
  if (!a) return `<section id="admin"><h2>Admin writes</h2><p>No Admin write was recorded.</p></section>`;
  const lagRows = [["all", a.lagMs.all] as const, ...Object.entries(a.lagMs.perPhase).map(([k, x]) => [`phase ${k}`, x] as const), ...Object.entries(a.lagMs.perCluster).map(([k, x]) => [`seen on ${k}`, x] as const)]
    .map(([k, x]) => [esc(k), x ? num(x.count) : "0", q(x, "p50"), q(x, "p99"), q(x, "max")]);
  const shown = writesShown(a.history);
  const writes = shown.map(writeRow);
  const more = a.history.length - writes.length;
  return `<section id="admin"><h2>Admin writes and propagation</h2>`
    + `<p>${num(a.writes)} writes: ${num(a.ok)} ok, ${num(a.failed)} failed, ${num(a.unknown)} unknown outcome. Bound: ${msText(a.boundMs)} (db_update_frequency + db_update_propagation + margin).</p>`
    + table(["lag", "samples", "p50", "p99", "max"], lagRows, { numeric: [1, 2, 3, 4] })
    + `<h3>History: each write and when it became visible where</h3>`
    + table(["at", "action", "entity", "via", "during", "outcome", "visible on (lag after the write's ok)", "problems"], writes, { cls: "writes" })
    + (more > 0 ? `<p class="muted">… ${num(more)} more writes without a problem in report.json / history.jsonl (every write with a problem is listed).</p>` : "") + `</section>`;
}

export function migrationsSection(v: ReportView): string {
  if (v.migrations.length === 0) return `<section id="migrations"><h2>Migration commands</h2><p>No migration command was recorded.</p></section>`;
  const items = v.migrations.map((m) => {
    const bad = m.problems.length > 0;
    return `<details class="migration${bad ? " bad" : ""}"${bad ? " open" : ""} data-f="${esc(m.f)}" data-exit-code="${m.exitCode ?? ""}"><summary><code>kong ${esc(m.f.replace("migrations-", "migrations "))}</code> with ${esc(m.image)} during ${esc(m.phase)}: exit ${m.exitCode ?? "none"}, ${secText(m.durationMs)}${bad ? ` · <strong>${esc(m.problems.join("; "))}</strong>` : ""}</summary>`
      + `${m.stdout.trim() ? `<h4>stdout</h4>${clippedPre(m.stdout, 120)}` : ""}${m.stderr.trim() ? `<h4>stderr</h4>${clippedPre(m.stderr, 120)}` : ""}</details>`;
  });
  return `<section id="migrations"><h2>Migration commands</h2>${items.join("\n")}</section>`;
}

export function schemaSection(v: ReportView): string {
  if (v.schemaDiffs.length === 0) return "";
  const items = v.schemaDiffs.map((d) => `<details${d.destructive.length && d.judged ? " open" : ""}><summary>${esc(d.from)} → ${esc(d.to)} (${esc(d.commands.join(", ") || "no command")}): ${num(d.destructive.length)} destructive${d.judged ? "" : " (not judged: expected after finish)"}, ${num(d.reported.length)} reported</summary>`
    + `${d.destructive.length ? `<ul>${d.destructive.map((x) => `<li><strong>${esc(x)}</strong></li>`).join("")}</ul>` : ""}${clippedPre(d.reported.join("\n"), 60, 8000, "head")}</details>`);
  return `<section id="schema"><h2>Schema changes per phase</h2>${items.join("\n")}</section>`;
}

export function logsSection(v: ReportView): string {
  const logs = v.report.nodeLogs;
  if (logs.length === 0) return `<section id="logs"><h2>Container log excerpts</h2><p>No node failed or was expected to fail.</p></section>`;
  const items = logs.map((l) => `<details open data-node="${esc(l.node)}"><summary>${esc(l.node)}${l.image ? ` (${esc(l.image)})` : ""}: ${esc(l.reason)}</summary>${clippedPre(l.excerpt, 60)}</details>`);
  return `<section id="logs"><h2>Container log excerpts</h2>${items.join("\n")}</section>`;
}

export function imagesSection(v: ReportView): string {
  const rows = v.report.images.map((i) => [esc(i.role), `<code>${esc(i.ref)}</code>`, esc(i.version ?? (i.auth ? `auth ${i.auth}` : "–")), `<code>${esc(i.id ?? "–")}</code>`, i.standin ? "<strong>STAND-IN</strong>" : "official / real"]);
  return `<section id="images"><h2>Images</h2>${rows.length ? table(["role", "image", "version / settings", "id", "kind"], rows) : "<p>No image recorded.</p>"}</section>`;
}
