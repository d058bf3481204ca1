// Drives the vegeta load generator: `vegeta attack` (open model: a constant request rate however
// slow the target gets) piped into `vegeta encode -to json`, read line by line while the attack
// runs, because the harness attributes every request to an upgrade phase by its timestamp.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { existsSync } from "node:fs";
import { CommandFailedError, EnvironmentError, InvalidConfigError, type ExecResult } from "../errors.ts";
import { labTool } from "../runtime/lab-state.ts";

export interface LoadTarget {
  /** Route name the results are attributed to. */
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | Uint8Array;
}

export interface AttackOptions {
  /** Requests are spread round-robin over the targets; method + url must tell them apart. */
  readonly targets: readonly LoadTarget[];
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Per-request timeout; default 5 s. */
  readonly timeoutMs?: number;
  /** Initial workers; vegeta adds more (up to maxWorkers) to hold the rate when the target slows. */
  readonly workers?: number;
  /** Default: enough for every request of a whole timeout window to be in flight. */
  readonly maxWorkers?: number;
  /** Stops the attack early; the results vegeta already produced are still read. */
  readonly signal?: AbortSignal;
  /**
   * Receives every result as it is read. When given, results are not buffered and the run cannot
   * be iterated: that is the mode for long runs.
   */
  readonly onResult?: (result: RequestResult) => void;
  /** The vegeta binary; default: the one the lab built. */
  readonly binary?: string;
}

/** One request, as vegeta measured it. */
export interface RequestResult {
  readonly seq: number;
  /** Name of the target the request was sent to. */
  readonly target: string;
  readonly method: string;
  readonly url: string;
  /** HTTP status; 0 when no response arrived (see error). */
  readonly code: number;
  /** When the request was sent, epoch milliseconds. */
  readonly timestampMs: number;
  readonly latencyNs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Empty on success; vegeta also sets it for statuses >= 400 ("500 Internal Server Error"). */
  readonly error: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

export interface AttackSummary {
  readonly requests: number;
  /** Count per status code; "0" = no response. */
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Requests that got no response at all (connection refused, timeout, reset). */
  readonly transportErrors: number;
  /** Distinct error messages (status errors included) with their counts. */
  readonly errors: Readonly<Record<string, number>>;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly aborted: boolean;
  /** When vegeta received its last answer (a status), epoch ms: an answer the target sent later never reached it. Absent: no answer. */
  readonly lastAnswerEpochMs?: number;
  /** How vegeta ended when nobody stopped it ("killed by SIGKILL", "exited 1"); absent when it ran to its end or was stopped. */
  readonly failure?: string;
}

/** vegeta died before it was stopped: the results it wrote until then are still its counts (summary). */
export class AttackFailedError extends CommandFailedError {
  override name = "AttackFailedError";
  constructor(result: ExecResult, readonly summary: AttackSummary) {
    super(result);
  }
}

export interface AttackRun extends AsyncIterable<RequestResult> {
  /** Resolves once vegeta has exited and every result was read. */
  readonly done: Promise<AttackSummary>;
  /** Same as aborting the signal: vegeta stops sending and flushes what it has. */
  stop(): void;
  // Iterate at most once. Leaving the loop early (break, throw) stops the attack.
}

/** Raw line of `vegeta encode -to json`. */
interface VegetaJsonResult {
  seq: number;
  code: number;
  timestamp: string;
  latency: number;
  bytes_out: number;
  bytes_in: number;
  error: string;
  method: string;
  url: string;
  headers: Record<string, string[]> | null;
}

export function startAttack(options: AttackOptions): AttackRun {
  const names = targetNames(options.targets);
  validate(options);
  const binary = options.binary ?? labTool("vegeta");
  if (!existsSync(binary)) throw new EnvironmentError(`vegeta binary not found: ${binary}`, { hint: "run `npx kong-upgrade-harness lab`" });
  const timeoutMs = options.timeoutMs ?? 5_000;
  const workers = options.workers ?? Math.min(10, Math.max(1, Math.ceil(options.ratePerSecond / 10)));
  const maxWorkers = options.maxWorkers ?? Math.max(workers, Math.ceil((options.ratePerSecond * timeoutMs) / 1000) + 10);

  const attackArgs = [
    "attack", "-format=json", "-targets=stdin",
    `-rate=${options.ratePerSecond}/1s`, `-duration=${options.durationMs}ms`, `-timeout=${timeoutMs}ms`,
    `-workers=${workers}`, `-max-workers=${maxWorkers}`,
    // Bodies are not needed and would bloat every line; redirects are reported, not followed.
    "-max-body=0", "-redirects=-1",
  ];
  const attack = spawn(binary, attackArgs, { stdio: ["pipe", "pipe", "pipe"] });
  // Own process group: a Ctrl-C in the terminal must not make encode drop the attack's last results.
  const encode = spawn(binary, ["encode", "-to", "json"], { stdio: [attack.stdout, "pipe", "pipe"], detached: true });
  // encode has its own copy of the pipe; ours would only keep it open.
  attack.stdout.destroy();
  const attackErr = collect(attack.stderr);
  const encodeErr = collect(encode.stderr);

  // vegeta exits early on bad arguments; its stderr says why, the EPIPE here would not.
  attack.stdin.on("error", () => undefined);
  attack.stdin.end(options.targets.map(toVegetaTarget).join(""));

  let aborted = false;
  const stop = (): void => {
    // A vegeta that already died (exit or signal) is not stopped: its failure stays its own.
    if (aborted || attack.exitCode !== null || attack.signalCode !== null) return;
    aborted = true;
    attack.kill("SIGINT");
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });

  const summary = new SummaryBuilder();
  const queue: RequestResult[] = [];
  let wake: (() => void) | undefined;
  let finished = false;

  const reading = (async () => {
    for await (const line of createInterface({ input: encode.stdout, crlfDelay: Infinity })) {
      if (line === "") continue;
      const result = parseResult(line, names);
      summary.add(result);
      if (options.onResult) options.onResult(result);
      else queue.push(result);
      wake?.();
    }
  })();

  const done = (async (): Promise<AttackSummary> => {
    try {
      const [attackCode, encodeCode] = await Promise.all([exited(attack), exited(encode), reading]);
      const command = `${binary} ${attackArgs.join(" ")} | ${binary} encode -to json`;
      if (attackCode !== 0 && !(aborted && attackCode === null)) {
        const failure = attack.signalCode ? `killed by ${attack.signalCode}` : `exited ${attackCode}`;
        throw new AttackFailedError({ command, exitCode: attackCode ?? -1, stdout: "", stderr: await attackErr, durationMs: options.durationMs }, summary.build(aborted, failure));
      }
      if (encodeCode !== 0) {
        throw new CommandFailedError({ command, exitCode: encodeCode ?? -1, stdout: "", stderr: await encodeErr, durationMs: options.durationMs });
      }
      return summary.build(aborted);
    } finally {
      options.signal?.removeEventListener("abort", stop);
      finished = true;
      wake?.();
    }
  })();
  // Iterating rethrows the failure; without this a caller using only the iterator would see an
  // unhandled rejection.
  done.catch(() => undefined);

  return {
    done,
    stop,
    async *[Symbol.asyncIterator]() {
      if (options.onResult) throw new InvalidConfigError(["an attack with onResult cannot be iterated"]);
      let complete = false;
      try {
        for (;;) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          if (finished) break;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        complete = true;
      } finally {
        if (!complete) stop();
      }
      await done;
    },
  };
}

/** Runs an attack to its end (or abort) and returns the summary only. */
export async function attack(options: Omit<AttackOptions, "onResult">): Promise<AttackSummary> {
  return startAttack({ ...options, onResult: () => undefined }).done;
}

function validate(options: AttackOptions): void {
  const problems: string[] = [];
  if (options.targets.length === 0) problems.push("at least one target is required");
  if (!(options.ratePerSecond > 0)) problems.push(`rate must be positive, got ${options.ratePerSecond}`);
  if (!(options.durationMs > 0)) problems.push(`duration must be positive, got ${options.durationMs} ms`);
  for (const t of options.targets) {
    if (!URL.canParse(t.url)) problems.push(`target "${t.name}": not a URL: ${t.url}`);
  }
  if (problems.length > 0) throw new InvalidConfigError(problems);
}

/** vegeta reports method and URL per result but not which target it was, so they must be unique. */
function targetNames(targets: readonly LoadTarget[]): ReadonlyMap<string, string> {
  const names = new Map<string, string>();
  for (const t of targets) {
    const key = `${t.method.toUpperCase()} ${t.url}`;
    const seen = names.get(key);
    if (seen !== undefined && seen !== t.name) {
      throw new InvalidConfigError([`targets "${seen}" and "${t.name}" both send ${key}; results could not be told apart`]);
    }
    names.set(key, t.name);
  }
  return names;
}

function toVegetaTarget(t: LoadTarget): string {
  const header: Record<string, readonly string[]> = {};
  for (const [k, v] of Object.entries(t.headers ?? {})) header[canonicalHeader(k)] = typeof v === "string" ? [v] : v;
  const body = t.body === undefined ? undefined : Buffer.from(t.body).toString("base64");
  return JSON.stringify({ method: t.method.toUpperCase(), url: t.url, header, body }) + "\n";
}

function parseResult(line: string, names: ReadonlyMap<string, string>): RequestResult {
  const raw = JSON.parse(line) as VegetaJsonResult;
  return {
    seq: raw.seq,
    target: names.get(`${raw.method} ${raw.url}`) ?? `${raw.method} ${raw.url}`,
    method: raw.method,
    url: raw.url,
    code: raw.code,
    timestampMs: Date.parse(raw.timestamp),
    latencyNs: raw.latency,
    bytesIn: raw.bytes_in,
    bytesOut: raw.bytes_out,
    error: raw.error,
    headers: raw.headers ?? {},
  };
}

class SummaryBuilder {
  private readonly latencies: number[] = [];
  private readonly statusCounts: Record<string, number> = {};
  private readonly errors: Record<string, number> = {};
  private transportErrors = 0;
  private lastAnswerEpochMs: number | undefined;

  add(r: RequestResult): void {
    this.latencies.push(r.latencyNs / 1e6);
    if (r.code !== 0) this.lastAnswerEpochMs = Math.max(this.lastAnswerEpochMs ?? -Infinity, r.timestampMs + r.latencyNs / 1e6);
    this.statusCounts[r.code] = (this.statusCounts[r.code] ?? 0) + 1;
    if (r.code === 0) this.transportErrors++;
    if (r.error) this.errors[r.error] = (this.errors[r.error] ?? 0) + 1;
  }

  build(aborted: boolean, failure?: string): AttackSummary {
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      requests: sorted.length,
      statusCounts: { ...this.statusCounts },
      transportErrors: this.transportErrors,
      errors: { ...this.errors },
      latencyMs: { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
      aborted,
      ...(this.lastAnswerEpochMs !== undefined ? { lastAnswerEpochMs: this.lastAnswerEpochMs } : {}),
      ...(failure !== undefined ? { failure } : {}),
    };
  }
}

/** Nearest-rank percentile of an ascending array; 0 when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    // "exit", not "close": the attack's stdout belongs to encode, so in this process it never closes.
    child.once("exit", (code) => resolve(code));
  });
}

function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => stream.once("close", () => resolve(Buffer.concat(chunks).toString("utf8"))));
}

/**
 * Go's canonical header form ("x-kuh-probe" -> "X-Kuh-Probe"). vegeta reads the target's Host from
 * the canonical "Host" key only, so a lower-case "host" would be sent as a plain header and ignored.
 */
export function canonicalHeader(name: string): string {
  return name.split("-").map((w) => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w)).join("-");
}
