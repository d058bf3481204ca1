// A read-mostly gateway: each reading probe (GET, HEAD, OPTIONS) is sent nine times as often as
// each writing one (POST, PUT, PATCH, DELETE), at the run's --rate. A run whose probes include no
// writes sends reads only.
import { constant, defineProfile, type MixEntry } from "../harness/load/profile.ts";

const READS = ["GET", "HEAD", "OPTIONS"];
const WRITES = ["POST", "PUT", "PATCH", "DELETE"];

export default defineProfile({
  name: "read-heavy",
  description: "reading probes weighted 9:1 over writing ones, constant at --rate",
  mix: (ctx) => {
    const entries: MixEntry[] = [{ all: true, method: READS, weight: 9 }];
    if (ctx.probes.some((p) => WRITES.includes(p.method.toUpperCase()))) entries.push({ all: true, method: WRITES, weight: 1 });
    return entries;
  },
  rate: (ctx) => constant(ctx.rate),
});
