// The files of a run directory that checks read, and loading them into a CheckContext.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import type { CheckContext, CheckExpectations } from "./check.ts";
import { readHistory } from "./history.ts";
import type { Op } from "./records.ts";
import { requestsFile } from "./requests.ts";
import { Timeline } from "./timeline.ts";

export const RUN_FILES = {
  history: "history.jsonl",
  requests: "requests.jsonl",
  expectations: "expectations.json",
  report: "report.json",
} as const;

export function writeExpectations(runDir: string, expectations: CheckExpectations): void {
  writeFileSync(join(runDir, RUN_FILES.expectations), `${JSON.stringify(expectations, null, 2)}\n`);
}

export function readExpectations(runDir: string): CheckExpectations {
  const file = join(runDir, RUN_FILES.expectations);
  if (!existsSync(file)) throw new InvalidConfigError([`${file} does not exist: not a run directory, or the run stopped before it started`]);
  const e = JSON.parse(readFileSync(file, "utf8")) as Partial<CheckExpectations>;
  const problems: string[] = [];
  if (typeof e.baseline !== "object" || e.baseline === null) problems.push(`${file}: "baseline" must be an object of probe -> status`);
  if (!e.nodes || !Array.isArray(e.nodes.blue) || !Array.isArray(e.nodes.green)) problems.push(`${file}: "nodes" must be {blue: [...], green: [...]}`);
  if (typeof e.propagationBoundMs !== "number") problems.push(`${file}: "propagationBoundMs" must be a number`);
  if (problems.length) throw new InvalidConfigError(problems);
  return e as CheckExpectations;
}

/** A context over in-memory data (the live run, tests). */
export function checkContext(expectations: CheckExpectations, history: readonly Op[], requests: CheckContext["requests"]): CheckContext {
  return { expectations, history, timeline: Timeline.of(history), requests };
}

/** A context over a run directory's files (offline re-check). */
export async function loadRunContext(runDir: string): Promise<CheckContext> {
  const expectations = readExpectations(runDir);
  const history = await readHistory(join(runDir, RUN_FILES.history));
  return checkContext(expectations, history, requestsFile(join(runDir, RUN_FILES.requests)));
}
