// Secrets of a user's configuration (keys, passwords, the headers made of them) must not reach any
// file of a run. Records are written as the run goes; once the report is written, every text file
// of the run's folder is rewritten with each secret replaced, before the formats people share
// (report.html, junit.xml, summary.md) are rendered from them, and once more after.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { RUN_FILES } from "../checks/index.ts";
import { redact } from "../config/secrets.ts";
import { readReport } from "./html/index.ts";
import { writeAtomic } from "./render.ts";
import type { Report } from "./report.ts";

const TEXT = new Set([".json", ".jsonl", ".html", ".xml", ".md", ".txt", ".log", ".yaml", ".yml"]);

/** Files rewritten; a folder without secrets to hide is left as it is. */
export function redactRunFiles(dir: string, secrets: readonly string[]): number {
  if (secrets.length === 0) return 0;
  let changed = 0;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) { changed += redactRunFiles(file, secrets); continue; }
    if (!TEXT.has(extname(name))) continue;
    const text = readFileSync(file, "utf8");
    const clean = redact(text, secrets);
    if (clean !== text) { writeAtomic(file, clean); changed++; }
  }
  return changed;
}

/**
 * Once report.json is written (`written`): the folder's files without secrets, the shared formats
 * rendered from them (`render`), and the report as the files now say it, so that what the run
 * prints (its summary, a failed check's message) shows no secret either.
 */
export async function redactAndRender(dir: string, written: Report, secrets: readonly string[], render: () => Promise<void>): Promise<Report> {
  const report = redactRunFiles(dir, secrets) > 0 ? readReport(join(dir, RUN_FILES.report)) : written;
  await render();
  redactRunFiles(dir, secrets);
  return report;
}
