// index.html of a qualification: the overall verdict first, then one row per requested pair (run
// or not) with its verdict, the plan's procedure and reason, and a link to the run's report.html.
// Self-contained: inline CSS, no script, no network.
import { acceptanceLine, countsText } from "../report/accepted.ts";
import { esc } from "../report/html/index.ts";
import { pieces, type PairVerdict, type Qualification, type QualificationPair } from "./qualification-report.ts";

const CSS = `body{font:14px/1.45 system-ui,sans-serif;max-width:1260px;margin:0 auto;padding:16px 24px}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eee}tr.pass td:first-child{color:#00704f}
tr.fail td:first-child{color:#D55E00;background:repeating-linear-gradient(135deg,#fff3ec 0 8px,#ffe6d9 8px 16px)}
tr.refused td:first-child,tr.not-run td:first-child{color:#444;background:repeating-linear-gradient(45deg,#eee 0 4px,#fff 4px 8px)}
.verdict{font-size:26px;font-weight:800;padding:10px 14px;border:3px solid}.verdict.pass{border-color:#009E73;color:#00704f}.verdict.fail{border-color:#D55E00;color:#D55E00}.verdict.error{border-color:#444;border-style:dashed;color:#222}
tr.error td:first-child{color:#222;background:repeating-linear-gradient(45deg,#f0f0f0 0 8px,#fff 8px 16px)}
.banner{margin:10px 0;padding:10px 14px;border:2px dashed #8a6d00;background:#fff4cc}.muted{color:#666;font-size:12px}details summary{cursor:pointer}`;

const WORD: Record<PairVerdict, string> = { pass: "PASS", fail: "FAIL", error: "ERROR (not judged)", refused: "REFUSED", "not-run": "NOT RUN" };

function outcomeCell(p: QualificationPair): string {
  if (p.refusal) return esc(p.refusal);
  if (p.error) return esc(p.error);
  const accepted = p.acceptedChecks.map((c) => `<code>${esc(c.id)}</code> <strong>accepted</strong>${c.entry !== null ? ` (entry ${c.entry}: ${esc(c.reason ?? "")})` : ""}: ${esc(c.message)}`);
  return [...p.failedChecks.map((c) => `<code>${esc(c.id)}</code>: ${esc(c.message)}`), ...accepted].join("<br>") || "every check passed";
}

function planCell(p: QualificationPair): string {
  if (!p.procedure) return "–";
  const why = p.planReason ? `<details><summary>why</summary>${esc(p.planReason)}${p.notes.length ? `<ul>${p.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : ""}</details>` : "";
  return `${esc(p.procedure)}<div class="muted"><code>${esc(p.scenario ?? "")}</code></div>${why}`;
}

function row(p: QualificationPair): string {
  const images = p.oldImage ? `<code>${esc(p.oldImage)}</code> → <code>${esc(p.newImage ?? "")}</code>${p.standin ? " <strong>(STAND-IN)</strong>" : ""}` : "–";
  const checks = p.counts ? esc(countsText(p.counts, false)) : "–";
  const link = p.reportDir ? `<a href="${esc(p.reportDir)}/report.html">report.html</a>` : "–";
  return `<tr class="${p.verdict}" data-pair="${esc(p.id)}" data-verdict="${p.verdict}" data-datastore="${esc(p.datastore)}"><td><strong>${WORD[p.verdict]}</strong></td>`
    + `<td>${esc(p.from)} → ${esc(p.target)}</td><td>${esc(p.datastore)}</td><td>${planCell(p)}</td><td>${images}</td><td>${checks}</td>`
    + `<td>${outcomeCell(p)}</td><td>${p.reportDir ? `${(p.durationMs / 1000).toFixed(0)} s${p.shard !== null ? `<div class="muted">shard ${p.shard}</div>` : ""}` : "–"}</td><td>${link}</td></tr>`;
}

export function qualificationHtml(q: Qualification, headline: string): string {
  const standin = q.pairs.some((p) => p.standin) || q.imageTemplate.includes("standin");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${q.verdict.toUpperCase()}: qualification of Kong ${esc(q.target)}</title><style>${CSS}</style></head>
<body data-verdict="${q.verdict}"><h1>Qualification of Kong ${esc(q.target)}</h1>
<div class="verdict ${q.verdict}" id="verdict">${q.verdict === "pass" ? "✔" : q.verdict === "error" ? "⚠" : "✘"} ${esc(headline)}</div>
${standin ? `<div class="banner"><strong>STAND-IN IMAGES.</strong> At least one pair ran against the project's stand-in, not Kong: this qualifies the harness, not a Kong release.</div>` : ""}
${q.interrupted ? `<div class="banner"><strong>INTERRUPTED.</strong> The qualification stopped before every pair ran.</div>` : ""}
<table><thead><tr><th>verdict</th><th>upgrade</th><th>datastore</th><th>procedure (plan)</th><th>images</th><th>checks</th><th>failed checks / why not run</th><th>time</th><th>report</th></tr></thead><tbody>
${q.pairs.map(row).join("\n")}</tbody></table>
${q.acceptances ? `<section id="acceptances"><h2>Acknowledged findings</h2><p class="muted">${esc(q.acceptances.file)}, judged on ${esc(q.acceptances.judgedOn)}; an entry is stale when it matched no pair.</p><ul>${q.acceptances.entries.map((e) => `<li data-entry="${e.entry}" data-state="${esc(e.state)}">${esc(acceptanceLine(e))}</li>`).join("")}</ul></section>` : ""}
<p class="muted">Source versions ${esc(q.from.join(", "))}; datastores ${esc(q.datastores.join(", "))}; images ${esc(q.imageTemplate)}. ${q.completed} of ${q.planned} planned runs completed; ${q.refused} of ${q.requested} requested pairs refused by the plan.${esc(pieces(q))} Generated ${esc(q.generatedAt)}.</p></body></html>
`;
}
