// Replays an access log (nginx "combined", Kong's default proxy log) at a speed-up, looping for as
// long as the run's load lasts. Each request shape of the log becomes a probe whose answer the old
// cluster gives at the baseline. Default: examples/storefront/access.log (made for
// examples/storefront/kong.yaml) four times faster than logged.
//   KUH_ACCESS_LOG=path/to/access.log   another log (relative to the working directory)
//   KUH_REPLAY_SPEED=10                 another speed-up
// A route whose rate limit the replayed pace exceeds answers 429 where the baseline learned 200:
// keep the speed-up within the configuration's limits.
import { accessLogReplay, defineProfile } from "../harness/load/profile.ts";

const file = process.env.KUH_ACCESS_LOG || new URL("../examples/storefront/access.log", import.meta.url);
const speedText = process.env.KUH_REPLAY_SPEED || "4";
const speed = Number(speedText);
if (!(Number.isFinite(speed) && speed > 0)) throw new Error(`KUH_REPLAY_SPEED must be a number > 0, got "${speedText}"`);

export default defineProfile({
  name: "access-log-replay",
  description: `${typeof file === "string" ? file : "examples/storefront/access.log"} replayed at ${speed}x, looping`,
  replay: accessLogReplay({ file, speed }),
});
