// The traffic area's only import surface: weight plans and the shift state machine (pure), the
// load balancer (HAProxy, driven through its Runtime API), request sinks, and split statistics.
// Kept private on purpose: HAProxy's configuration, Runtime API client and log parsing (haproxy/).
export { WeightPlan, DEFAULT_STEPS, DEFAULT_HOLD_MS } from "./weight-plan.ts";
export type { WeightPlanOptions } from "./weight-plan.ts";
export { advance, initialShiftStatus } from "./advance.ts";
export type { ShiftAction, ShiftPhase, ShiftStatus, Verdict } from "./advance.ts";
export { driveShift, realSleep } from "./shift-driver.ts";
export type { ShiftDriverOptions, ShiftTarget, Sleep } from "./shift-driver.ts";
export { LoadBalancer, NULL_SINK } from "./load-balancer.ts";
export { StartedLoadBalancer } from "./started-load-balancer.ts";
export type { AbortPredicate, Breach, FailureListener, LoadBalancerSettings, NodeStatus, RetrySettings, WeightChange } from "./started-load-balancer.ts";
export type { WaitOptions } from "./wait.ts";
export { CLUSTERS } from "./nodes.ts";
export type { BackendNode, ClusterName, DrainTarget } from "./nodes.ts";
export type { HealthCheckOptions, NormalizedHealthCheck } from "./health-check.ts";
export { PROBE_HEADER, SOURCE_HEADER } from "./haproxy/config.ts";
export { validateWeights, toGreen } from "./weights.ts";
export type { Weights } from "./weights.ts";
export { ErrorBudget, liveFailure } from "./error-budget.ts";
export type { Baseline, ErrorBudgetOptions } from "./error-budget.ts";
export type { LiveStats, Tally } from "./live-stats.ts";
export { JsonlRequestSink, MemoryRequestSink, teeSinks, readRequestRecords } from "./request-sink.ts";
export type { JsonlRequestSinkOptions, RequestSink } from "./request-sink.ts";
export { achievedSplit, splitByRecordedWeight, windowsFromWeightChanges, DEFAULT_SPLIT_TOLERANCE_PP } from "./split.ts";
export type { StepSplit, StepWindow } from "./split.ts";
export { ManualClock, SystemClock } from "./clock.ts";
export type { Clock } from "./clock.ts";
export { DrainTimeoutError, ShiftAbortedError, TrafficAbortedError } from "./errors.ts";
