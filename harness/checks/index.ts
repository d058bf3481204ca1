// The checks area's import surface. Checks are pure: they read a run's history and requests.
import { adminWritesPropagated } from "./admin-writes-propagated.ts";
import { coldOldNodeParity } from "./cold-old-node-parity.ts";
import { credentialsSurviveUpgrade } from "./credentials-survive-upgrade.ts";
import { finishWaitsForOldNodes } from "./finish-waits-for-old-nodes.ts";
import { oldDataAfterFinish } from "./old-data-after-finish.ts";
import { oldLatencyDuringUp } from "./old-latency-during-up.ts";
import { securityParity } from "./security-parity.ts";
import type { Check } from "./check.ts";
import { downtimeWindow } from "./downtime-window.ts";
import { faultExpectations } from "./fault-expectations.ts";
import { DATASTORE_FAULTS, EVERY_FAULT, excusingNodesUnderFaults, excusingWritesCutByFaults, outsideFaultWindows } from "./fault-windows.ts";
import { freshInstall } from "./fresh-install.ts";
import { importedStateServed } from "./imported-state-served.ts";
import { keyspaceDrift } from "./keyspace-drift.ts";
import { latencyParity } from "./latency-parity.ts";
import { readinessHonest } from "./readiness-honest.ts";
import { responseParity, responseParityOutsideFaults } from "./response-parity.ts";
import { invalidWritesRefused } from "./invalid-writes-refused.ts";
import { loadReconciliation } from "./load-reconciliation.ts";
import { migrationsOutput } from "./migrations-output.ts";
import { migrationRecovery } from "./migration-recovery.ts";
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
  // Issue 7: upgrade bugs that hide behind caches, old-shaped data and an unguarded finish.
  securityParity, credentialsSurviveUpgrade, coldOldNodeParity, oldLatencyDuringUp, oldDataAfterFinish, finishWaitsForOldNodes,
  // Issue 12: parity with the old version beyond status codes.
  latencyParity, responseParity, readinessHonest,
];

/**
 * Cassandra in place (`up`/`finish` on the shared keyspace with a downtime window): no traffic
 * split (there is no shift) and downtime-window instead of zero-failed-requests; no
 * shared-rate-limit, since old and new nodes never serve at once.
 */
export const CASSANDRA_IN_PLACE_CHECKS: readonly Check[] = [
  downtimeWindow, loadReconciliation, newNodesReady, adminWritesPropagated, invalidWritesRefused,
  noNewAdminWritesBeforeFinish, migrationsOutput, schemaOnlyAdds, schemaMetaConsistent, stateAfterFinish, oldNodeRefusesAfterFinish,
  securityParity, readinessHonest,
];

/**
 * Cassandra new keyspace (bootstrap, db_export/db_import, shift): no `up`/`finish` on a shared
 * keyspace, so no schema or finish checks; rate-limit counters live per keyspace, so
 * shared-rate-limit does not apply while both clusters serve.
 */
export const NEW_KEYSPACE_CHECKS: readonly Check[] = [
  zeroFailedRequests, trafficSplit, loadReconciliation, newNodesReady, adminWritesPropagated, invalidWritesRefused,
  migrationsOutput, keyspaceDrift, importedStateServed, securityParity, responseParity, readinessHonest,
];

/** A fresh install: bootstrap, start, serve a seeded configuration under load (one version: no shared-rate-limit). */
export const FRESH_INSTALL_CHECKS: readonly Check[] = [
  freshInstall, zeroFailedRequests, loadReconciliation, newNodesReady, adminWritesPropagated, migrationsOutput, securityParity,
  readinessHonest,
];

/**
 * A blue/green run with scheduled faults: fault-expectations takes zero-failed-requests' place, so
 * a failure a fault's budget allows is not failed a second time; failures outside every fault
 * window still fail the run (through fault-expectations).
 */
export const CHAOS_CHECKS: readonly Check[] = [faultExpectations, ...BLUE_GREEN_CHECKS.filter((c) => c !== zeroFailedRequests).map((c) => {
  if (c === sharedRateLimit) return outsideFaultWindows(c, DATASTORE_FAULTS, "Kong's rate limiting is fault tolerant and lets requests pass while its counters are unreachable");
  if (c === adminWritesPropagated) return excusingNodesUnderFaults(c);
  if (c === invalidWritesRefused) return excusingWritesCutByFaults(c);
  if (c === latencyParity) return outsideFaultWindows(c, EVERY_FAULT, "a fault slows the nodes it hits on purpose; latency is compared where none acts");
  if (c === responseParity) return responseParityOutsideFaults(EVERY_FAULT);
  return c;
})];

/** A blue/green run whose `up` (or `finish`) is killed and re-run (harness/scenario/migration-chaos.ts). */
export const MIGRATION_CHAOS_CHECKS: readonly Check[] = [...BLUE_GREEN_CHECKS, migrationRecovery];

const ALL_CHECKS: readonly Check[] = [...new Set([...BLUE_GREEN_CHECKS, ...CASSANDRA_IN_PLACE_CHECKS, ...NEW_KEYSPACE_CHECKS, ...FRESH_INSTALL_CHECKS, ...CHAOS_CHECKS, ...MIGRATION_CHAOS_CHECKS])];

/** The checks named by ids (a run's expectations.json), in that order; unknown ids are skipped. */
export function checksById(ids: readonly string[] | undefined): readonly Check[] {
  if (!ids) return BLUE_GREEN_CHECKS;
  // A chaos run's ids name the fault-aware variants (same id): take them from its own list first.
  const pool = ids.includes(faultExpectations.id) ? [...CHAOS_CHECKS, ...ALL_CHECKS] : ALL_CHECKS;
  return ids.flatMap((id) => pool.find((c) => c.id === id) ?? []);
}

export type { FaultRow } from "./fault-expectations.ts";
export {
  coldOldNodeParity, credentialsSurviveUpgrade, finishWaitsForOldNodes, oldDataAfterFinish, oldLatencyDuringUp, securityParity,
  downtimeWindow, faultExpectations, freshInstall, importedStateServed, keyspaceDrift,
  adminWritesPropagated, invalidWritesRefused, loadReconciliation, migrationsOutput, newNodesReady, noNewAdminWritesBeforeFinish,
  oldNodeRefusesAfterFinish, schemaMetaConsistent, schemaOnlyAdds, sharedRateLimit, stateAfterFinish, trafficSplit, zeroFailedRequests,
  latencyParity, responseParity, readinessHonest,
};
export { describeWindow } from "./shared-rate-limit.ts";
export { DEFAULT_UP_LATENCY } from "./old-latency-during-up.ts";
export { DEFAULT_LATENCY_PARITY } from "./latency-parity.ts";
export { refusalProbes } from "./security-parity.ts";
export { ADDITIVE, IGNORED, REMOVED, meaningChanges } from "./entity-meaning.ts";
export { probeObservations } from "./probe-answers.ts";
export type { ProbeObservation } from "./probe-answers.ts";
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
export { compareFingerprints, compareSchemaMeta, compareStates } from "./fingerprint-compare.ts";
export { migrationRecovery, NOOP_LINES, verifyConcurrentUps, verifyRecovery } from "./migration-recovery.ts";
export { lbClientStatus } from "./load-reconciliation.ts";
export { percentile, quantiles } from "./stats.ts";
export type { Quantiles } from "./stats.ts";
export { F, WRITE_NOT_SENT, WRITE_REFUSED } from "./records.ts";
export type * from "./records.ts";
