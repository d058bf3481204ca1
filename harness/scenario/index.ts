export { UpgradeScenario } from "./upgrade-scenario.ts";
export { ScenarioBase, ScenarioStepError, startDatastore } from "./scenario-base.ts";
export { runOptions, setRunOptions, RUN_DEFAULTS, validateRunOptions } from "./run-options.ts";
export type { RunOptions } from "./run-options.ts";
export { interruptActiveRun, interruptReason, requestInterrupt } from "./active-run.ts";
export { SEED_PROBES, SEED_RATE_LIMITS } from "./seed.ts";
export type { Probe } from "./seed.ts";
