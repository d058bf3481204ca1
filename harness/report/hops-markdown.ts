// summary.md's lines for a multi-hop path: one table row per hop, and each failed step. Nothing
// for a single run.
import { countsText } from "./accepted.ts";
import type { Report } from "./report.ts";

const cell = (text: string): string => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
const VERDICT: Record<string, string> = { pass: "✅ pass", fail: "❌ fail", error: "⚠️ error (not judged)" };

export function hopsMarkdown(report: Report): string[] {
  const hops = report.hops ?? [];
  if (hops.length === 0) return [];
  const out = ["| hop | versions | procedure | verdict | checks | failed step |", "|---:|---|---|---|---|---|"];
  for (const h of hops) {
    const versions = `${h.versions.old ?? h.from} → ${h.versions.new ?? h.to}`;
    const counts = h.ran ? countsText(h.counts, Boolean(h.acceptances)) : "not run";
    out.push(`| ${h.index} | ${versions} | ${h.procedure} | ${VERDICT[h.verdict] ?? h.verdict} | ${counts} | ${cell(h.failedStep ?? "–")} |`);
  }
  return [...out, "", "Check ids are prefixed by their hop (`hop-1-…`).", ""];
}
