// The harness's standing mix: every probe of the run once per cycle, in the run's probe order, at
// the run's --rate. With the built-in seed that is its 11 probes, exactly as without --load.
// A copy to start your own profile from (the harness uses the same one when --load is not given).
import { constant, defineProfile } from "../harness/load/profile.ts";

export default defineProfile({
  name: "default",
  description: "every probe of the run, weight 1, constant at --rate",
  mix: [{ all: true }],
  rate: (ctx) => constant(ctx.rate),
});
