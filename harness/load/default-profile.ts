// The load of a run without `--load`: every probe once per cycle, in the run's probe order, at the
// run's --rate (load/default.ts is the same profile, as a file users copy).
import { constant, defineProfile } from "./profile.ts";

export const DEFAULT_PROFILE = defineProfile({
  name: "default",
  description: "every probe of the run, weight 1, constant at --rate",
  mix: [{ all: true }],
  rate: (ctx) => constant(ctx.rate),
});
