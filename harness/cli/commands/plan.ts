// `kong-upgrade-harness plan --from X --to Y [--datastore postgres|cassandra] [--json]`: the upgrade
// path the seed prescribes, hop by hop; exit 2 with a one-line reason when the jump is unsupported.
import type { ParseArgsConfig } from "node:util";
import { InvalidConfigError } from "../../errors.ts";
import { describePlan, planUpgrade } from "../../plan/index.ts";
import { ExitCode } from "../exit-codes.ts";

export const PLAN_HELP = "  plan --from X --to Y [--datastore postgres|cassandra] [--json]\n                   the upgrade path from Kong X (or `fresh`) to Y: hops, procedure and reason for each";

export const PLAN_FLAG_SPEC = {
  from: { type: "string" },
  to: { type: "string" },
  datastore: { type: "string" },
  json: { type: "boolean", default: false },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

export interface PlanFlags { readonly from?: string; readonly to?: string; readonly datastore?: string; readonly json?: boolean }

export function planCommand(flags: PlanFlags): ExitCode {
  const missing = (["from", "to"] as const).filter((k) => flags[k] === undefined).map((k) => `\`plan\` needs --${k}`);
  if (missing.length > 0) throw new InvalidConfigError(missing, { hint: "e.g. `kong-upgrade-harness plan --from 2.1.4 --to 2.6.0 --datastore cassandra`" });
  const plan = planUpgrade({ from: flags.from!, to: flags.to!, datastore: flags.datastore });
  if (plan.refusals.length > 0) throw new InvalidConfigError(plan.refusals.map((r) => r.message));
  process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : `${describePlan(plan)}\n`);
  return ExitCode.Ok;
}
