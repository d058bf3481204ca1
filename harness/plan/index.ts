// The upgrade plan: the path the seed prescribes between two Kong versions, which procedure (and so
// which scenario) applies to each hop, and the reasons for refusing a jump. Pure logic, no I/O.
export { planUpgrade } from "./plan-upgrade.ts";
export { describePlan } from "./describe-plan.ts";
export { releaseFor, scenarioFor, scenarioForProcedure } from "./scenario-for.ts";
export { CASSANDRA_CODE_BREAK, CASSANDRA_REJECTED } from "./procedures.ts";
export { DATASTORES, FRESH } from "./types.ts";
export type { Datastore, Hop, Plan, PlanRequest, Procedure, ProcedureChoice, Refusal, RefusalCode } from "./types.ts";
export { compareVersions, formatVersion, parseVersion } from "./version.ts";
export type { KongVersion } from "./version.ts";
