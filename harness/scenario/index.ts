export { UpgradeScenario, ScenarioStepError } from "./upgrade-scenario.ts";
export { runOptions, setRunOptions, RUN_DEFAULTS, validateRunOptions } from "./run-options.ts";
export type { RunOptions } from "./run-options.ts";
export { interruptActiveRun, interruptReason, requestInterrupt } from "./active-run.ts";
export { SEED_PROBES } from "./seed.ts";
export type { Probe } from "./seed.ts";
