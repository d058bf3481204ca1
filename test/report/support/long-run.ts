// A long run's directory, built from the real record shapes (History ops, RequestLine records,
// expectations.json) without containers: a blue/green run of `minutes` at `rate` requests/s with
// the default weight plan and node counts, Admin writes at the scenario's pace, and a few real
// problems (failed requests in bursts and one at a time, late and failed Admin writes) that the
// report must not lose however it condenses the run.
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { F, History, RUN_FILES, writeExpectations, type RequestLine, type UpgradePhase } from "../../../harness/checks/index.ts";
import { EXPECTATIONS, ManualClock } from "../../../harness/checks/testing.ts";
import { RUN_DEFAULTS } from "../../../harness/scenario/index.ts";

export interface LongRunFacts {
  readonly requests: number;
  readonly failedRequests: number;
  /** Start time (ms) of every failed request. */
  readonly failedAtMs: readonly number[];
  readonly phases: readonly UpgradePhase[];
  readonly steps: readonly number[];
  readonly writes: number;
  /** Write ids that show on a node later than the bound, or fail. */
  readonly lateWrites: readonly string[];
  readonly failedWrites: readonly string[];
}

const NODES = ["blue-1", "blue-2", "green-1", "green-2"] as const;
const BOUND_MS = EXPECTATIONS.propagationBoundMs;

interface Event { readonly t: number; readonly seq: number; readonly apply: (h: History) => void }

/** Writes history.jsonl, requests.jsonl and expectations.json of a long run into dir. */
export async function writeLongRun(dir: string, minutes = 10, rate = RUN_DEFAULTS.rate): Promise<LongRunFacts> {
  const endMs = minutes * 60_000;
  const steps = RUN_DEFAULTS.steps;
  const shiftFrom = 30_000;
  const shiftTo = endMs - 40_000;
  const stepMs = (shiftTo - shiftFrom) / steps.length;
  const phases: [UpgradePhase, number][] = [["Setup", 0], ["Baseline", 8_000], ["MigrationsUp", 12_000], ["GreenStart", 20_000], ["Shift", shiftFrom], ["Drain", shiftTo],
    ["MigrationsFinish", shiftTo + 5_000], ["AfterFinish", shiftTo + 12_000], ["OldNodeAfterFinish", shiftTo + 25_000], ["Teardown", endMs - 3_000]];
  const events: Event[] = [];
  let seq = 0;
  const at = (t: number, apply: (h: History) => void): void => { events.push({ t, seq: seq++, apply }); };

  let open: ReturnType<History["invoke"]> | undefined;
  for (const [phase, t] of phases) at(t, (h) => { if (open) h.ok(open); open = h.invoke("phases", F.phase, { phase }); });
  at(endMs, (h) => { if (open) h.ok(open); });
  steps.forEach((w, i) => at(shiftFrom + i * stepMs, (h) => h.ok(h.invoke("shift", F.step, { index: i, greenWeight: w }))));

  // Admin writes on the old cluster from MigrationsUp to finish, at the upgrade scenario's pace
  // (a cycle every 1.5 s plus the writes' own time: about 1.7 writes/s), each seen on every node.
  const lateWrites: string[] = [];
  const failedWrites: string[] = [];
  let writes = 0;
  for (let t = 12_500; t < shiftTo; t += 600) {
    const n = ++writes;
    const writeId = `blue-${n}:create:routes/w${n}`;
    const via = n % 2 ? "blue-1" : "blue-2";
    const failed = n % 450 === 0;
    const late = n % 300 === 0;
    if (failed) failedWrites.push(writeId);
    if (late) lateWrites.push(writeId);
    at(t, (h) => {
      const op = h.invoke("admin-writer", F.adminWrite, { writeId, cluster: "blue", entity: `routes/w${n}`, action: "create", expectOn: [...NODES] }, { node: via });
      if (failed) h.complete(op, "fail", { error: "500 internal server error" }); else h.ok(op);
    });
    if (failed) continue;
    NODES.forEach((node, i) => {
      const lag = node.startsWith("blue") ? 40 + ((n * 7 + i * 13) % 300) : 700 + ((n * 37 + i * 91) % 2_200) + (late && node === "green-2" ? BOUND_MS + 2_500 : 0);
      at(t + 20 + lag, (h) => h.event("verifier", F.observe, { writeId, cluster: node.slice(0, -2), entity: `routes/w${n}`, seen: "status 200", matches: true }, { node }));
    });
  }
  events.sort((a, b) => a.t - b.t || a.seq - b.seq);
  const clock = new ManualClock();
  const history = new History(clock, join(dir, RUN_FILES.history));
  for (const e of events) { clock.set(e.t); e.apply(history); }
  history.close();

  // Load: `rate` requests/s through the LB, split by the step's weight; failures in a burst at the
  // 50% step (a green node resetting) and one at a time elsewhere.
  const out = createWriteStream(join(dir, RUN_FILES.requests));
  const failedAtMs: number[] = [];
  const burstFrom = shiftFrom + 4 * stepMs + 2_000;
  let credit = 0;
  let n = 0;
  for (let t = 8_000; t < endMs - 3_000; t += 1000 / rate) {
    const i = Math.floor((t - shiftFrom) / stepMs);
    const weight = t < shiftFrom ? 0 : i < steps.length ? steps[i]! : 100;
    credit += weight;
    const green = credit >= 100;
    if (green) credit -= 100;
    const node = `${green ? "green" : "blue"}-${1 + (n % 2)}`;
    const burst = green && t >= burstFrom && t < burstFrom + 1_500 && node === "green-2";
    const single = n > 0 && n % 17_011 === 0;
    const failed = burst || single;
    if (failed) failedAtMs.push(t);
    const status = single ? 502 : burst ? null : 200;
    const r: RequestLine = { seq: n, startMs: t, endMs: t + 2 + (n % 9) + (n % 997 === 0 ? 180 : 0), probe: "echo", method: "GET", path: "/echo", cluster: green ? "green" : "blue", node,
      status, attempts: 1, source: "load", clientStatus: status, greenWeight: weight, ...(burst ? { error: "reset" } : {}) };
    n += 1;
    if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  writeExpectations(dir, { ...EXPECTATIONS, nodes: { blue: ["blue-1", "blue-2"], green: ["green-1", "green-2"] }, shiftPlan: [...steps], newImage: "kong-standin:2.6.0" });
  return { requests: n, failedRequests: failedAtMs.length, failedAtMs, phases: phases.map(([p]) => p), steps, writes, lateWrites, failedWrites };
}
