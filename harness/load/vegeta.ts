// Drives the vegeta load generator: `vegeta attack` (open model: a constant request rate however
// slow the target gets) piped into `vegeta encode -to json`, read line by line while the attack
// runs, because the harness attributes every request to an upgrade phase by its timestamp.
// Paced mode (a `schedule`) is for rates vegeta cannot express (ramps, steps, spikes, a replayed
// log): vegeta runs `-lazy -rate=0` and sends one request per target line the harness writes to
// its stdin, at the moments the schedule says (paced-feed.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { existsSync } from "node:fs";
import { CommandFailedError, EnvironmentError, InvalidConfigError, type ExecResult } from "../errors.ts";
import { labTool } from "../runtime/lab-state.ts";
import { PacedFeed, type SendTimes } from "./paced-feed.ts";
import type { PacedSchedule } from "./paced-schedule.ts";

export interface LoadTarget {
  /** Route name the results are attributed to. */
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | Uint8Array;
}

export interface AttackOptions {
  /**
   * Requests are spread round-robin over the targets; method + url must tell them apart (a target
   * may repeat to weigh it). With a schedule, the targets its indices point into.
   */
  readonly targets: readonly LoadTarget[];
  /** The constant rate; with a schedule, the highest rate it reaches (it sizes the workers). */
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /**
   * Paced mode: the harness sends each request at the moment this schedule makes it due, instead
   * of vegeta at a constant rate. Results are read, attributed and summarised the same way.
   */
  readonly schedule?: PacedSchedule;
  /** Paced mode: how often due requests are written (ms); default 10. */
  readonly tickMs?: number;
  /** Per-request timeout; default 5 s. */
  readonly timeoutMs?: number;
  /** Initial workers; vegeta adds more (up to maxWorkers) to hold the rate when the target slows. */
  readonly workers?: number;
  /** Default: enough for every request of a whole timeout window to be in flight. */
  readonly maxWorkers?: number;
  /** Stops the attack early; every request vegeta sent is still reported, those in flight once they end. */
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
  /** Same as aborting the signal: vegeta sends no more requests, reports those in flight (each ends by its timeout) and exits. */
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

/** How long past its request timeout a stopped vegeta may take to report and exit. */
const STOP_GRACE_MS = 2_000;

export function startAttack(options: AttackOptions): AttackRun {
  const names = targetNames(options.targets);
  validate(options);
  const binary = options.binary ?? labTool("vegeta");
  if (!existsSync(binary)) throw new EnvironmentError(`vegeta binary not found: ${binary}`, { hint: "run `npx kong-upgrade-harness lab`" });
  const timeoutMs = options.timeoutMs ?? 5_000;
  const workers = options.workers ?? Math.min(10, Math.max(1, Math.ceil(options.ratePerSecond / 10)));
  const maxWorkers = options.maxWorkers ?? Math.max(workers, Math.ceil((options.ratePerSecond * timeoutMs) / 1000) + 10);

  const schedule = options.schedule;
  const attackArgs = [
    "attack", "-format=json", "-targets=stdin",
    // Paced: every worker waits for the next line on stdin; the harness ends the input at the duration.
    ...(schedule ? ["-lazy", "-rate=0"] : [`-rate=${vegetaRate(options.ratePerSecond)}`, `-duration=${options.durationMs}ms`]),
    `-timeout=${timeoutMs}ms`, `-workers=${workers}`, `-max-workers=${maxWorkers}`,
    // Bodies are not needed and would bloat every line; redirects are reported, not followed.
    "-max-body=0", "-redirects=-1",
  ];
  // Own process groups: a Ctrl-C in the terminal must reach neither. It would make encode drop the
  // attack's last results; and to vegeta it would be a first stop, making the harness's own stop a
  // second one, on which vegeta exits at once without the answers still in flight.
  const attack = spawn(binary, attackArgs, { stdio: ["pipe", "pipe", "pipe"], detached: true });
  const encode = spawn(binary, ["encode", "-to", "json"], { stdio: [attack.stdout, "pipe", "pipe"], detached: true });
  // encode has its own copy of the pipe; ours would only keep it open.
  attack.stdout.destroy();
  const attackErr = collect(attack.stderr);
  const encodeErr = collect(encode.stderr);

  // vegeta exits early on bad arguments; its stderr says why, the EPIPE here would not.
  attack.stdin.on("error", () => undefined);
  const feed = schedule ? pacedFeed(options, schedule, attack.stdin) : undefined;
  if (feed) {
    feed.start();
    attack.once("exit", () => feed.stop());
  } else {
    attack.stdin.end(options.targets.map(toVegetaTarget).join(""));
  }

  // vegeta stops once (Attacker.Stop): it hands out no more work, waits for the requests in flight
  // (each ends by its timeout) and reports them. A second stop, or SIGINT after the first, makes it
  // exit at once, and the answers still in flight are never reported although the target sent them.
  // In paced mode vegeta stops itself when a worker reads the end of the input, so ending the input
  // is the whole stop there; a SIGINT would be that second stop. In constant mode SIGINT is the only
  // stop (all targets were read at the start) and vegeta never stops itself before its end.
  let aborted = false;
  let lastResort: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    // A vegeta that already died (exit or signal) is not stopped: its failure stays its own.
    if (aborted || attack.exitCode !== null || attack.signalCode !== null) return;
    aborted = true;
    if (feed) feed.stop();
    else attack.kill("SIGINT");
    // Only a vegeta stuck past its own timeout is made to exit: SIGINT, then SIGKILL.
    lastResort = setTimeout(() => {
      attack.kill("SIGINT");
      lastResort = setTimeout(() => attack.kill("SIGKILL"), STOP_GRACE_MS);
      lastResort.unref();
    }, timeoutMs + STOP_GRACE_MS);
    lastResort.unref();
  };
  attack.once("exit", () => clearTimeout(lastResort));
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });

  const summary = new SummaryBuilder();
  const queue: RequestResult[] = [];
  let wake: (() => void) | undefined;
  let finished = false;

  const reading = (async () => {
    for await (const line of createInterface({ input: encode.stdout, crlfDelay: Infinity })) {
      if (line === "") continue;
      const result = parseResult(line, names, feed?.sendTimes);
      if (!result) continue;
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
  if (options.tickMs !== undefined && !(options.tickMs > 0)) problems.push(`tick must be positive, got ${options.tickMs} ms`);
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

/** vegeta's -rate is a whole count per period: 2.5/s is written 2500/1000s. */
function vegetaRate(perSecond: number): string {
  return Number.isInteger(perSecond) ? `${perSecond}/1s` : `${Math.round(perSecond * 1000)}/1000s`;
}

function pacedFeed(options: AttackOptions, schedule: PacedSchedule, stdin: NodeJS.WritableStream): PacedFeed {
  return new PacedFeed({
    schedule, durationMs: options.durationMs, ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
    lines: options.targets.map(toVegetaTarget),
    keys: options.targets.map((t) => `${t.method.toUpperCase()} ${t.url}`),
    write: (chunk) => void stdin.write(chunk),
    end: () => stdin.end(),
  });
}

function toVegetaTarget(t: LoadTarget): string {
  const header: Record<string, readonly string[]> = {};
  for (const [k, v] of Object.entries(t.headers ?? {})) header[canonicalHeader(k)] = typeof v === "string" ? [v] : v;
  const body = t.body === undefined ? undefined : Buffer.from(t.body).toString("base64");
  return JSON.stringify({ method: t.method.toUpperCase(), url: t.url, header, body }) + "\n";
}

/** What a lazily fed worker reports when the input ends while it waits: no request was sent. */
const END_OF_INPUT = "no targets to attack";

/**
 * One result; undefined for a paced attack's end-of-input placeholders. Paced results take their
 * send time from when their line was written (sendTimes).
 */
function parseResult(line: string, names: ReadonlyMap<string, string>, sendTimes?: SendTimes): RequestResult | undefined {
  const raw = JSON.parse(line) as VegetaJsonResult;
  if (sendTimes && raw.method === "" && raw.error === END_OF_INPUT) return undefined;
  const key = `${raw.method} ${raw.url}`;
  const measured = { timestampMs: Date.parse(raw.timestamp), latencyNs: raw.latency };
  const { timestampMs, latencyNs } = sendTimes ? sendTimes.correct(key, measured.timestampMs, measured.latencyNs) : measured;
  return {
    seq: raw.seq,
    target: names.get(key) ?? key,
    method: raw.method,
    url: raw.url,
    code: raw.code,
    timestampMs,
    latencyNs,
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
