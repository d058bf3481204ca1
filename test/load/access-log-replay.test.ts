// The access-log replay sends what the log says at the speed asked: a small combined-format log is
// compiled as a profile and replayed by vegeta against a local server that records every request.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { attackOptionsOf, compileProfile, defineProfile, profileProbes, startAttack, type PacedLoad, type RequestResult } from "../../harness/load/index.ts";
import { accessLogReplay, parseAccessLog, type AccessLogReplay } from "../../harness/load/access-log.ts";
import { labTool } from "../../harness/runtime/lab-state.ts";
import { startRecordingServer, withoutProbeParam, type RecordingServer } from "./recording-server.ts";

const LOG = fileURLToPath(new URL("./fixtures/replay-access.log", import.meta.url));
const SPEED = 6;

/** The log's requests as (method, target, logged second's offset / speed): the log's own timestamps, not the replay's schedule. */
function loggedRequests(): { key: string; host?: string; expectedMs: number }[] {
  const { requests } = parseAccessLog(readFileSync(LOG, "utf8"), LOG);
  const first = Math.min(...requests.map((r) => r.timeMs));
  return requests.map((r) => ({ key: `${r.method} ${r.target}`, ...(r.host ? { host: r.host } : {}), expectedMs: (r.timeMs - first) / SPEED }));
}

describe("load: access-log replay", function () {
  let server: RecordingServer;
  before(async function () {
    server = await startRecordingServer();
  });
  after(async function () {
    await server.close();
  });
  beforeEach(function () {
    server.arrivals.length = 0;
  });

  function compiled(): { load: PacedLoad; replay: AccessLogReplay } {
    const replay = accessLogReplay({ file: LOG, speed: SPEED });
    const profile = defineProfile({ name: "replay", description: "fixture", replay });
    // As a run would after the baseline: the replay's own probes are among the run's probes.
    const load = compileProfile(profile, { probes: profileProbes(profile), rate: 1 }, server.url) as PacedLoad;
    return { load, replay };
  }

  it("sends every request of the log, at its offset divided by the speed-up", async function () {
    const { load, replay } = compiled();
    const replayEndMs = replay.events.at(-1)!.offsetMs;
    const logged = loggedRequests();
    // The log's 12 s at 6x is 2 s; the load stops before the replay would loop.
    const results: RequestResult[] = [];
    await startAttack({ binary: labTool("vegeta"), ...attackOptionsOf(load), durationMs: replayEndMs + 100, onResult: (r) => results.push(r) }).done;

    // Every line arrived, as logged (method, path and query; the probe parameter aside).
    const sent = server.arrivals.map((a) => `${a.method} ${withoutProbeParam(a.url)}`);
    expect(sent.slice().sort()).to.deep.equal(logged.map((l) => l.key).sort());
    expect(logged).to.have.length(17);
    expect(server.arrivals.find((a) => a.url.startsWith("/products/boots"))?.headers.host).to.equal("shop.storefront.test");

    // Each request names its probe in the header and the query, and vegeta's result is attributed to it.
    for (const a of server.arrivals) expect(a.url).to.match(new RegExp(`[?&]probe=${a.headers["x-kuh-probe"]}$`));
    expect(results.map((r) => r.target).sort()).to.deep.equal(server.arrivals.map((a) => String(a.headers["x-kuh-probe"])).sort());

    // Arrivals pair with log lines of the same request, in order; the replay's start is where the
    // earliest arrival sits relative to its line (a request can be late, never early).
    const arrivalsByKey = new Map<string, number[]>();
    for (const a of server.arrivals) {
      const key = `${a.method} ${withoutProbeParam(a.url)}`;
      arrivalsByKey.set(key, [...(arrivalsByKey.get(key) ?? []), a.atMs]);
    }
    const pairs = logged.map((l) => ({ ...l, arrivedMs: arrivalsByKey.get(l.key)!.shift()! }));
    const start = Math.min(...pairs.map((p) => p.arrivedMs - p.expectedMs));
    for (const p of pairs) {
      const offset = p.arrivedMs - start;
      // Lines of one logged second are spread over it, so a line may be due up to 1 s / speed after its second.
      const spread = 1000 / SPEED;
      expect(offset, `${p.key} logged at ${p.expectedMs} ms (at ${SPEED}x), arrived at ${offset} ms`)
        .to.be.within(p.expectedMs - 150, p.expectedMs + spread + 150 + 0.1 * p.expectedMs);
    }
  });

  it("loops when the run outlasts the log", async function () {
    const { load, replay } = compiled();
    const durationMs = replay.periodMs + 500;
    await startAttack({ binary: labTool("vegeta"), ...attackOptionsOf(load), durationMs, onResult: () => undefined }).done;
    // One whole pass, then what the second pass owes in its first 500 ms: the log's first lines again.
    const secondPass = load.schedule.dueBy(durationMs) - replay.events.length;
    expect(secondPass).to.be.greaterThan(0);
    expect(server.arrivals).to.have.length(replay.events.length + secondPass);
    const key = (method: string, target: string): string => `${method} ${target}`;
    expect(server.arrivals.map((a) => key(a.method, withoutProbeParam(a.url))).sort())
      .to.deep.equal([...replay.events, ...replay.events.slice(0, secondPass)].map((e) => key(e.method, e.target)).sort());
  });
});
