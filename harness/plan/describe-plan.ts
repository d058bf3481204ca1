// `describePlan`: a plan as the terminal shows it (the CLI prints it; this only builds the text).
import { scenarioForProcedure } from "./scenario-for.ts";
import type { Hop, Plan } from "./types.ts";

const title = (plan: Plan): string =>
  plan.from === "fresh" ? `Kong ${plan.to} on a fresh ${plan.datastore} datastore` : `Kong ${plan.from} -> ${plan.to} on ${plan.datastore}`;

function describeHop(hop: Hop, n: number): string[] {
  const to = hop.toAtLeast ? `${hop.to} (${hop.toAtLeast} or later)` : hop.to;
  const where = hop.runnable ? scenarioForProcedure(hop.procedure) : "not run by the harness";
  const lines = [`${n}. ${hop.from} -> ${to}: ${hop.procedure}${hop.expectsDowntime ? " (downtime window)" : ""}  [${where}]`, `   why: ${hop.reason}`];
  for (const step of hop.extraSteps) lines.push(`   extra step: ${step}`);
  for (const alt of hop.alternatives) {
    lines.push(`   alternative: ${alt.procedure}${alt.expectsDowntime ? " (downtime window)" : ""}  [${scenarioForProcedure(alt.procedure)}]`, `     why: ${alt.reason}`);
  }
  for (const note of hop.notes) lines.push(`   note: ${note}`);
  return lines;
}

/** Multi-line text: a title, then each hop with its procedure, reason, extra steps, alternatives and notes. */
export function describePlan(plan: Plan): string {
  if (plan.refusals.length > 0) {
    return [`Cannot plan ${title(plan)}:`, ...plan.refusals.map((r) => `  - ${r.message}`)].join("\n");
  }
  const count = `${plan.hops.length} hop${plan.hops.length === 1 ? "" : "s"}`;
  return [`Upgrade plan: ${title(plan)} (${count})`, "", ...plan.hops.flatMap((hop, i) => describeHop(hop, i + 1))].join("\n");
}
