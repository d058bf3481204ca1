export { attack, AttackFailedError, percentile, startAttack } from "./vegeta.ts";
export type { AttackOptions, AttackRun, AttackSummary, LoadTarget, RequestResult } from "./vegeta.ts";
