// The run's history: an append-only list of ops, written to `history.jsonl` as it grows (one
// synchronous line per op, so a crash leaves a complete prefix). Jepsen's rules are enforced at
// record time: a process has one open invocation at a time, a completion (ok/fail/info) must
// match the open invocation of the same process and f, time never goes back. A violation is a
// harness bug and throws HistoryRuleError.
import { closeSync, createReadStream, existsSync, openSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { HarnessError } from "../errors.ts";
import type { Op, OpType } from "./records.ts";

/** Structurally the traffic area's Clock: milliseconds since the run's origin. */
export interface HistoryClock { now(): number }

export class HistoryRuleError extends HarnessError {
  override name = "HistoryRuleError";
  override readonly code: string = "KH_ERR_HISTORY_RULE";
  constructor(message: string, readonly op: Partial<Op>) {
    super(`History rule violated: ${message}`, { hint: "this is a harness bug: the op was not recorded" });
  }
}

const TYPES: readonly OpType[] = ["invoke", "ok", "fail", "info"];

/** Validates ops one at a time; shared by the recorder and the offline reader. */
export class HistoryRules {
  private readonly open = new Map<string, Op>();
  private lastIndex = -1;
  private lastTimeMs = -Infinity;

  accept(op: Op): void {
    const where = `op ${op.index} (${op.process} ${op.type} ${op.f})`;
    if (!TYPES.includes(op.type)) throw new HistoryRuleError(`${where}: type must be invoke, ok, fail or info, got "${String(op.type)}"`, op);
    if (op.index !== this.lastIndex + 1) throw new HistoryRuleError(`${where}: index must be ${this.lastIndex + 1}`, op);
    if (!(op.timeMs >= this.lastTimeMs)) throw new HistoryRuleError(`${where}: time ${op.timeMs} ms is before the previous op's ${this.lastTimeMs} ms`, op);
    const pending = this.open.get(op.process);
    if (op.type === "invoke") {
      if (pending) throw new HistoryRuleError(`${where}: process "${op.process}" already has an open invocation (op ${pending.index}, ${pending.f})`, op);
      this.open.set(op.process, op);
    } else {
      if (!pending) throw new HistoryRuleError(`${where}: completion without an open invocation of process "${op.process}"`, op);
      if (pending.f !== op.f) throw new HistoryRuleError(`${where}: completes op ${pending.index} whose f is "${pending.f}"`, op);
      this.open.delete(op.process);
    }
    this.lastIndex = op.index;
    this.lastTimeMs = op.timeMs;
  }

  /** Invocations still waiting for a completion (concurrent until the end, as Jepsen's crashed ops). */
  openInvocations(): Op[] {
    return [...this.open.values()].sort((a, b) => a.index - b.index);
  }
}

export interface InvokeOptions { readonly node?: string }
export interface CompleteOptions<V> { readonly value?: V; readonly error?: string }

/** The recorder. Give it a file to write `history.jsonl` incrementally. */
export class History {
  private readonly ops: Op[] = [];
  private readonly rules = new HistoryRules();
  private fd: number | undefined;

  constructor(private readonly clock: HistoryClock, file?: string) {
    if (file !== undefined) this.fd = openSync(file, "a");
  }

  /** Starts an op; returns the invocation to complete later. */
  invoke<V>(process: string, f: string, value: V, options: InvokeOptions = {}): Op<V> {
    return this.append<V>({ process, f, type: "invoke", value, ...(options.node !== undefined ? { node: options.node } : {}) });
  }

  /** Completes `invocation`; value defaults to the invocation's. */
  complete<V>(invocation: Op, type: Exclude<OpType, "invoke">, options: CompleteOptions<V> = {}): Op<V> {
    if (invocation.type !== "invoke") throw new HistoryRuleError(`op ${invocation.index} is a ${invocation.type}, not an invocation`, invocation);
    const value = ("value" in options ? options.value : invocation.value) as V;
    return this.append<V>({
      process: invocation.process, f: invocation.f, type, value,
      ...(invocation.node !== undefined ? { node: invocation.node } : {}),
      ...(options.error !== undefined ? { error: options.error } : {}),
    });
  }

  ok<V>(invocation: Op, value?: V): Op<V> { return this.complete<V>(invocation, "ok", value === undefined ? {} : { value }); }
  fail<V>(invocation: Op, error: string, value?: V): Op<V> { return this.complete<V>(invocation, "fail", value === undefined ? { error } : { error, value }); }
  /** Unknown outcome (a non-idempotent op that timed out or threw). */
  info<V>(invocation: Op, error: string, value?: V): Op<V> { return this.complete<V>(invocation, "info", value === undefined ? { error } : { error, value }); }

  /** An instantaneous fact: invoke and ok at the same time. Returns the ok op. */
  event<V>(process: string, f: string, value: V, options: InvokeOptions = {}): Op<V> {
    return this.ok<V>(this.invoke(process, f, value, options), value);
  }

  /** Runs `fn` as one op: ok with its result, info (unknown outcome) when it throws, then rethrows. */
  async run<V, R>(process: string, f: string, value: V, fn: () => Promise<R>, options: InvokeOptions = {}): Promise<R> {
    const invocation = this.invoke(process, f, value, options);
    try {
      const result = await fn();
      this.ok(invocation, result);
      return result;
    } catch (err) {
      this.info(invocation, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  all(): readonly Op[] { return this.ops; }
  openInvocations(): Op[] { return this.rules.openInvocations(); }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append<V>(fields: Omit<Op<V>, "index" | "timeMs">): Op<V> {
    const op: Op<V> = { index: this.ops.length, timeMs: this.clock.now(), ...fields };
    this.rules.accept(op);
    this.ops.push(op);
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(op)}\n`);
    return op;
  }
}

/** Reads a `history.jsonl` and re-applies the rules; a truncated last line (crash) is dropped. */
export async function readHistory(file: string): Promise<Op[]> {
  const ops: Op[] = [];
  if (!existsSync(file)) return ops;
  const rules = new HistoryRules();
  let pendingError: Error | undefined;
  for await (const line of createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity })) {
    if (line.trim() === "") continue;
    if (pendingError) throw pendingError;
    let op: Op;
    try {
      op = JSON.parse(line) as Op;
    } catch (err) {
      // Only the last line may be torn; remember and throw if more lines follow.
      pendingError = new HarnessError(`${file}: line ${ops.length + 1} is not JSON`, { cause: err });
      continue;
    }
    rules.accept(op);
    ops.push(op);
  }
  return ops;
}

/** An invocation with its completion (undefined: never completed, outcome unknown). */
export interface OpPair<V = unknown> { readonly invoke: Op<V>; readonly completion?: Op<V> }

/** Pairs each invocation with its completion, in invocation order; optionally only one f. */
export function pairOps<V = unknown>(history: readonly Op[], f?: string): OpPair<V>[] {
  const open = new Map<string, { invoke: Op<V>; completion?: Op<V> }>();
  const pairs: { invoke: Op<V>; completion?: Op<V> }[] = [];
  for (const op of history) {
    if (f !== undefined && op.f !== f) continue;
    if (op.type === "invoke") {
      const pair = { invoke: op as Op<V> };
      open.set(op.process, pair);
      pairs.push(pair);
    } else {
      const pair = open.get(op.process);
      if (pair) pair.completion = op as Op<V>;
      open.delete(op.process);
    }
  }
  return pairs;
}
