// Builders for hand-made runs in unit tests: a manual clock, a History, request records and
// default expectations. Ops must be added in time order (History enforces it).
import type { CheckContext, CheckExpectations } from "./check.ts";
import { History } from "./history.ts";
import { F, type AdminWriteValue, type Op, type RequestLine, type UpgradePhase } from "./records.ts";
import { requestsFrom } from "./requests.ts";
import { checkContext } from "./run-files.ts";

export class ManualClock {
  constructor(private t = 0) {}
  now(): number { return this.t; }
  set(t: number): void { this.t = t; }
}

export const EXPECTATIONS: CheckExpectations = {
  baseline: { echo: 200, "key-auth-missing": 401, limited: [200, 429] },
  nodes: { blue: ["blue-1", "blue-2"], green: ["green-1", "green-2"] },
  propagationBoundMs: 6_000,
};

export class RunFixture {
  readonly clock = new ManualClock();
  readonly history = new History(this.clock);
  readonly requests: RequestLine[] = [];
  private phaseOp: Op | undefined;
  private writes = 0;

  constructor(public expectations: CheckExpectations = EXPECTATIONS) {}

  at(t: number): this { this.clock.set(t); return this; }

  /** Ends the open phase (ok) and starts `phase`. */
  phase(phase: UpgradePhase): this {
    this.endPhase();
    this.phaseOp = this.history.invoke("phases", F.phase, { phase });
    return this;
  }

  endPhase(): this {
    if (this.phaseOp) this.history.ok(this.phaseOp);
    this.phaseOp = undefined;
    return this;
  }

  /** A shift step requested now and applied `appliedAfterMs` later (the clock moves). */
  step(index: number, greenWeight: number, appliedAfterMs = 0): this {
    const op = this.history.invoke("shift", F.step, { index, greenWeight });
    this.clock.set(this.clock.now() + appliedAfterMs);
    this.history.ok(op);
    return this;
  }

  /** `count` requests spread over [fromMs, toMs), each lasting durationMs. */
  load(count: number, fromMs: number, toMs: number, r: Partial<RequestLine> = {}, durationMs = 5): this {
    for (let i = 0; i < count; i++) {
      const startMs = fromMs + ((toMs - fromMs) * i) / count;
      this.request({ startMs, endMs: startMs + durationMs, ...r });
    }
    return this;
  }

  request(r: Partial<RequestLine>): this {
    const startMs = r.startMs ?? this.clock.now();
    this.requests.push({
      seq: this.requests.length, startMs, endMs: startMs + 5, probe: "echo", method: "GET", path: "/echo",
      cluster: "blue", node: "blue-1", status: 200, attempts: 1, ...r,
    });
    return this;
  }

  /** An Admin write invoked now and completed `tookMs` later with `type`. Returns the writeId. */
  write(via: string, type: "ok" | "fail" | "info" | "refused", tookMs = 10, v: Partial<AdminWriteValue> = {}): string {
    const writeId = v.writeId ?? `w-${++this.writes}`;
    const cluster = via.startsWith("green") ? "green" : "blue";
    const op = this.history.invoke(`admin-writer-${writeId}`, F.adminWrite, { writeId, cluster, entity: `services/svc-${this.writes}`, action: "create", ...v }, { node: via });
    this.clock.set(this.clock.now() + tookMs);
    if (type === "ok") this.history.ok(op);
    else if (type === "refused") this.history.fail(op, "refused-before-finish");
    else this.history.complete(op, type, { error: type === "info" ? "timeout" : "409 conflict" });
    return writeId;
  }

  /** The verifier sees (or not) a write on a node, now. */
  observe(writeId: string, node: string, matches = true): this {
    const cluster = node.startsWith("green") ? "green" : "blue";
    const op = this.history.invoke(`verifier-${node}`, F.observe, { writeId, cluster, entity: "", seen: "", matches: false }, { node });
    this.history.ok(op, { writeId, cluster, entity: "", seen: matches ? "present" : "absent", matches });
    return this;
  }

  event(process: string, f: string, value: unknown, node?: string): this {
    this.history.event(process, f, value, node ? { node } : {});
    return this;
  }

  ctx(): CheckContext {
    return checkContext(this.expectations, this.history.all(), requestsFrom(this.requests));
  }
}
