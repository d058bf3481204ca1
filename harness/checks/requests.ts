// `requests.jsonl`: one RequestRecord per proxied request (~50k per run), read line by line, and
// the one rule that says whether a request failed (shared with the live error-budget gate).
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { HarnessError } from "../errors.ts";
import type { RequestFailureKind, RequestLine } from "./records.ts";

export type Baseline = Readonly<Record<string, number | readonly number[]>>;

/** Streams records; a torn last line (crash mid-write) is skipped, a torn middle line throws. */
export async function* readRequests(file: string): AsyncGenerator<RequestLine> {
  if (!existsSync(file)) return;
  let torn: HarnessError | undefined;
  let lineNo = 0;
  for await (const line of createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity })) {
    lineNo += 1;
    if (line.trim() === "") continue;
    if (torn) throw torn;
    try {
      yield JSON.parse(line) as RequestLine;
    } catch (err) {
      if (err instanceof SyntaxError) torn = new HarnessError(`${file}: line ${lineNo} is not JSON`, { cause: err });
      else throw err;
    }
  }
}

/** A re-iterable source over records in memory (tests, small runs). */
export const requestsFrom = (records: readonly RequestLine[]) => async function* (): AsyncGenerator<RequestLine> {
  yield* records;
};

/** A re-iterable source over a file. */
export const requestsFile = (file: string) => (): AsyncGenerator<RequestLine> => readRequests(file);

/** A request's duration in whole milliseconds: the load balancer's clock has sub-millisecond noise nobody acts on. */
export const durationMs = (r: RequestLine): number => Math.round(r.endMs - r.startMs);

/** Only the load generator's requests are judged against the baseline and reconciled with vegeta. */
export const isLoad = (r: RequestLine): boolean => r.source === undefined || r.source === "load";

export type Classification = RequestFailureKind | "ok" | "unknown-probe";

/** ok, a failure kind, or unknown-probe (the probe has no baseline: a scenario bug). */
export function classifyRequest(r: RequestLine, baseline: Baseline): Classification {
  if (r.error !== undefined) return r.error;
  if (r.status === null) return r.cluster === "none" ? "no-backend" : "reset";
  const expected = baseline[r.probe];
  if (expected === undefined) return "unknown-probe";
  const statuses: readonly number[] = typeof expected === "number" ? [expected] : expected;
  return statuses.includes(r.status) ? "ok" : "status";
}
