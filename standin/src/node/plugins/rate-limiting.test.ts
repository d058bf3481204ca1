import { expect } from "chai";
import { exceeded, periodWindow, rateLimitHeaders, type Usage } from "./rate-limiting.ts";

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
});
