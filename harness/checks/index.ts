// The checks area's import surface. Checks are pure: they read a run's history and requests.
import { adminWritesPropagated } from "./admin-writes-propagated.ts";
import type { Check } from "./check.ts";
import { downtimeWindow } from "./downtime-window.ts";
import { freshInstall } from "./fresh-install.ts";
import { importedStateServed } from "./imported-state-served.ts";
import { keyspaceDrift } from "./keyspace-drift.ts";
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

/**
 * Cassandra in place (`up`/`finish` on the shared keyspace with a downtime window): no traffic
 * split (there is no shift) and downtime-window instead of zero-failed-requests.
 */
export const CASSANDRA_IN_PLACE_CHECKS: readonly Check[] = [
  downtimeWindow, loadReconciliation, sharedRateLimit, newNodesReady, adminWritesPropagated, invalidWritesRefused,
  noNewAdminWritesBeforeFinish, migrationsOutput, schemaOnlyAdds, schemaMetaConsistent, stateAfterFinish, oldNodeRefusesAfterFinish,
];

/**
 * Cassandra new keyspace (bootstrap, db_export/db_import, shift): no `up`/`finish` on a shared
 * keyspace, so no schema or finish checks; rate-limit counters live per keyspace, so
 * shared-rate-limit does not apply while both clusters serve.
 */
export const NEW_KEYSPACE_CHECKS: readonly Check[] = [
  zeroFailedRequests, trafficSplit, loadReconciliation, newNodesReady, adminWritesPropagated, invalidWritesRefused,
  migrationsOutput, keyspaceDrift, importedStateServed,
];

/** A fresh install: bootstrap, start, serve a seeded configuration under load. */
export const FRESH_INSTALL_CHECKS: readonly Check[] = [
  freshInstall, zeroFailedRequests, loadReconciliation, sharedRateLimit, newNodesReady, adminWritesPropagated, migrationsOutput,
];

const ALL_CHECKS: readonly Check[] = [...new Set([...BLUE_GREEN_CHECKS, ...CASSANDRA_IN_PLACE_CHECKS, ...NEW_KEYSPACE_CHECKS, ...FRESH_INSTALL_CHECKS])];

/** The checks named by ids (a run's expectations.json), in that order; unknown ids are skipped. */
export function checksById(ids: readonly string[] | undefined): readonly Check[] {
  if (!ids) return BLUE_GREEN_CHECKS;
  return ids.flatMap((id) => ALL_CHECKS.filter((c) => c.id === id));
}

export {
  downtimeWindow, freshInstall, importedStateServed, keyspaceDrift,
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
