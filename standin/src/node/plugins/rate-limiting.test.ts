import { expect } from "chai";
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { exceeded, incrementsAfterResponse, periodWindow, rateLimitHeaders, scheduleIncrement, type Usage } from "./rate-limiting.ts";

const u = (period: Usage["period"], limit: number, remaining: number, resetS: number): Usage => ({ period, limit, remaining, resetS, startMs: 0 });

describe("stand-in node: rate-limiting", () => {
  it("computes UTC period windows", () => {
    const now = Date.UTC(2024, 4, 17, 10, 30, 15, 500);
    expect(periodWindow("minute", now)).to.deep.equal({ startMs: Date.UTC(2024, 4, 17, 10, 30), resetS: 45 });
    expect(periodWindow("month", now).startMs).to.equal(Date.UTC(2024, 4, 1));
  });

  it("sends 2.x headers with the most restrictive limit in RateLimit-*", () => {
    const h = rateLimitHeaders("2.6.0", [u("second", 5, 5, 1), u("minute", 10, 2, 40)], null);
    expect(h).to.deep.equal({
      "X-RateLimit-Limit-Second": "5", "X-RateLimit-Remaining-Second": "4",
      "X-RateLimit-Limit-Minute": "10", "X-RateLimit-Remaining-Minute": "1",
      "RateLimit-Limit": "10", "RateLimit-Remaining": "1", "RateLimit-Reset": "40",
    });
  });

  it("sends 1.5's lowercase headers without RateLimit-*", () => {
    expect(rateLimitHeaders("1.5.1", [u("minute", 3, 3, 10)], null)).to.deep.equal({ "X-RateLimit-Limit-minute": "3", "X-RateLimit-Remaining-minute": "2" });
  });

  it("stops at the first used-up period", () => {
    expect(exceeded([u("second", 5, 3, 1), u("minute", 10, 0, 40)])).to.equal("minute");
    expect(exceeded([u("second", 5, 3, 1)])).to.equal(null);
  });

  it("increments when each version's Kong does: after the response up to 2.2 (log phase), at once from 2.3 (a timer from the access phase)", async () => {
    expect(["1.5.1", "2.0.5", "2.2.2", "2.3.3", "2.5.1", "3.0.1"].map(incrementsAfterResponse)).to.deep.equal([true, true, true, false, false, false]);
    const started: string[] = [];
    const responses = { old: new EventEmitter(), modern: new EventEmitter() };
    scheduleIncrement("2.0.5", responses.old as unknown as ServerResponse, async () => { started.push("2.0.5"); });
    scheduleIncrement("2.5.1", responses.modern as unknown as ServerResponse, async () => { started.push("2.5.1"); });
    await new Promise((r) => setImmediate(r));
    expect(started, "before any response was sent").to.deep.equal(["2.5.1"]);
    responses.old.emit("close");
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal(["2.5.1", "2.0.5"]);
  });
});
