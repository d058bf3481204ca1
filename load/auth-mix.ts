// Authentication under load: requests with a valid credential, an equal share for each credential
// kind the configuration's consumers hold (key-auth, basic-auth, jwt, ...), against requests that
// must be refused, in the ratio 3 : 1 : 1 (valid : without credentials : with wrong ones). The
// rate climbs in steps of 20 s: half of --rate, --rate, twice --rate, then --rate from then on.
// It needs probes that say their credential kind: those generated from a configuration (--config)
// with authentication plugins.
import { defineProfile, steps, type MixEntry } from "../harness/load/profile.ts";

const VALID = 3;
const WITHOUT = 1;
const WRONG = 1;

export default defineProfile({
  name: "auth-mix",
  description: "valid credentials of each kind : no credentials : wrong credentials = 3 : 1 : 1, in steps of --rate",
  mix: (ctx) => {
    const kinds = [...new Set(ctx.probes.filter((p) => p.purpose === "credential" && p.credential !== undefined).map((p) => p.credential!))];
    const valid: MixEntry[] = kinds.length > 0
      ? kinds.map((credential) => ({ purpose: "credential", credential, share: VALID / kinds.length }))
      // Names the missing condition in the error: this run has no probe presenting a credential.
      : [{ purpose: "credential", share: VALID }];
    return [
      ...valid,
      { purpose: "no-credentials", share: WITHOUT },
      { purpose: "wrong-credentials", share: WRONG },
    ];
  },
  rate: (ctx) => steps([
    { rps: ctx.rate / 2, forMs: 20_000 },
    { rps: ctx.rate, forMs: 20_000 },
    { rps: ctx.rate * 2, forMs: 20_000 },
    // The last step holds for the rest of the run.
    { rps: ctx.rate, forMs: 20_000 },
  ]),
});
