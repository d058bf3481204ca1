export { attack, AttackFailedError, percentile, startAttack } from "./vegeta.ts";
export type { AttackOptions, AttackRun, AttackSummary, LoadTarget, RequestResult } from "./vegeta.ts";
export { attackOptionsOf, compileProfile, defineProfile, profileProbes } from "./profile.ts";
export type { CompiledLoad, ConstantLoad, LoadProfile, PacedLoad, ProfileContext } from "./profile.ts";
export { constant, ramp, spikes, steps, type RateShape } from "./rate-shape.ts";
export { accessLogReplay, parseAccessLog, type AccessLogReplay } from "./access-log.ts";
export type { PacedSchedule } from "./paced-schedule.ts";
