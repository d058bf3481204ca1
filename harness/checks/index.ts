// The checks area's import surface. Checks are pure: they read a run's history and requests.
import { adminWritesPropagated } from "./admin-writes-propagated.ts";
import type { Check } from "./check.ts";
import { invalidWritesRefused } from "./invalid-writes-refused.ts";
import { loadReconciliation } from "./load-reconciliation.ts";
import { migrationsOutput } from "./migrations-output.ts";
import { newNodesReady } from "./new-nodes-ready.ts";
import { noNewAdminWritesBeforeFinish } from "./no-new-admin-writes-before-finish.ts";
import { oldNodeRefusesAfterFinish } from "./old-node-refuses-after-finish.ts";
import { schemaMetaConsistent } from "./schema-meta-consistent.ts";
import { schemaOnlyAdds } from "./schema-only-adds.ts";
import { sharedRateLimit } from "./shared-rate-limit.ts";
import { stateAfterFinish } from "./state-after-finish.ts";
import { trafficSplit } from "./traffic-split.ts";
import { zeroFailedRequests } from "./zero-failed-requests.ts";

/** The checks of a Postgres blue/green run, in report order. */
export const BLUE_GREEN_CHECKS: readonly Check[] = [
  zeroFailedRequests, trafficSplit, loadReconciliation, sharedRateLimit, newNodesReady, adminWritesPropagated,
  invalidWritesRefused, noNewAdminWritesBeforeFinish, migrationsOutput, schemaOnlyAdds, schemaMetaConsistent,
  stateAfterFinish, oldNodeRefusesAfterFinish,
];

export {
  adminWritesPropagated, invalidWritesRefused, loadReconciliation, migrationsOutput, newNodesReady, noNewAdminWritesBeforeFinish,
  oldNodeRefusesAfterFinish, schemaMetaConsistent, schemaOnlyAdds, sharedRateLimit, stateAfterFinish, trafficSplit, zeroFailedRequests,
};
export { describeWindow } from "./shared-rate-limit.ts";
export type { RateWindow } from "./shared-rate-limit.ts";
export type { InvalidWriteOutcome, InvalidWriteVerdict } from "./invalid-writes-refused.ts";
export { runCheck, runChecks, unknown, worst } from "./check.ts";
export type { Check, CheckContext, CheckExpectations, CheckResult, CheckStatus, MigrationExpectation } from "./check.ts";
export { History, HistoryRuleError, HistoryRules, pairOps, readHistory } from "./history.ts";
export type { CompleteOptions, HistoryClock, InvokeOptions, OpPair } from "./history.ts";
export { classifyRequest, isLoad, readRequests, requestsFile, requestsFrom } from "./requests.ts";
export type { Baseline, Classification } from "./requests.ts";
export { Timeline, firstOkTime, positionLabel } from "./timeline.ts";
export type { PhaseSpan, Position, StepSpan } from "./timeline.ts";
export { RUN_FILES, checkContext, loadRunContext, readExpectations, writeExpectations } from "./run-files.ts";
export { destructiveChanges, diffSnapshots, reportedChanges } from "./schema-snapshot.ts";
export type { ColumnSnapshot, ConstraintSnapshot, IndexSnapshot, SchemaDiff, SchemaSnapshotValue, Snapshot, TableSnapshot } from "./schema-snapshot.ts";
export { schemaDiffs } from "./schema-only-adds.ts";
export type { PhaseDiff } from "./schema-only-adds.ts";
export { parseMigrationsList } from "./migrations-list.ts";
export type { MigrationsListing } from "./migrations-list.ts";
export { compareListing } from "./schema-meta-consistent.ts";
export { lbClientStatus } from "./load-reconciliation.ts";
export { percentile, quantiles } from "./stats.ts";
export type { Quantiles } from "./stats.ts";
export { F, WRITE_REFUSED } from "./records.ts";
export type * from "./records.ts";
