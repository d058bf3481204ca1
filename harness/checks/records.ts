// What a run records before any check runs (Jepsen's order: history first, checkers after).
// Two streams: `requests.jsonl`, one record per proxied request as the load balancer saw it, and
// `history.jsonl`, operations of the harness itself (phases, steps, admin writes, observations,
// migration commands, faults). Checks and reports read these files, never Docker.

export type OpType = "invoke" | "ok" | "fail" | "info";

/** A harness operation. `info` means the outcome is unknown (e.g. an Admin write that timed out). */
export interface Op<V = unknown> {
  readonly index: number;
  /** Milliseconds since the run started (injected clock). */
  readonly timeMs: number;
  /** Who did it: "harness", "admin-writer", "verifier", "nemesis", "migrations", ... */
  readonly process: string;
  /** A Kong node name ("blue-1", "green-2") when the op concerns one. */
  readonly node?: string;
  readonly type: OpType;
  readonly f: string;
  readonly value: V;
  readonly error?: string;
}

/** Phases of a blue/green upgrade, in order; a run's timeline is a sequence of these. */
export type UpgradePhase =
  | "Setup" | "Baseline" | "MigrationsUp" | "GreenStart" | "Shift" | "Drain" | "MigrationsFinish"
  | "AfterFinish" | "OldNodeAfterFinish" | "Teardown"
  // Added for Cassandra and fresh installs (issue 5): the in-place downtime window, the
  // new-keyspace export/import, a bootstrap of a fresh datastore or keyspace, checks after cut-over.
  | "Bootstrap" | "Cutover" | "ConfigExport" | "ConfigImport" | "AfterCutover" | "Serving";

/** Kind of failure of one proxied request. `status` = an answer that differs from the baseline. */
export type RequestFailureKind = "status" | "connect" | "reset" | "timeout" | "no-backend";

/** One request through the harness's load balancer, as it saw it. */
export interface RequestRecord {
  /** Sequence number given by the load balancer. */
  readonly seq: number;
  readonly startMs: number;
  readonly endMs: number;
  /** The probe name (x-kuh-probe header) that says what answer is expected. */
  readonly probe: string;
  readonly method: string;
  readonly path: string;
  readonly cluster: "blue" | "green" | "none";
  readonly node: string | null;
  /** Status code, or null when no answer came (connection error, reset, timeout). */
  readonly status: number | null;
  readonly error?: Exclude<RequestFailureKind, "status">;
  /** How many backends were tried (retries, issue 7). */
  readonly attempts: number;
}

// ---------------------------------------------------------------------------------------------
// Added by the checks & report area: the optional RequestRecord fields below, and the op
// vocabulary (f names and value shapes) that the checks read from `history.jsonl`.

/** Optional fields a load balancer may add to a RequestRecord (see RequestRecord). */
export interface RequestRecordExtras {
  /** What sent it: "load" (vegeta; the default when absent), "verifier", "baseline", ... */
  readonly source?: string;
  /** Status the LB answered to the client; null when it closed the connection without answering. */
  readonly clientStatus?: number | null;
  /** Added by traffic: the LB's green weight (percent) when it routed this request. */
  readonly greenWeight?: number;
  /**
   * Set on a record the load balancer did not log but its counters prove: a request the node closed
   * without answering, on which HAProxy closed the client's kept-alive connection silently (the
   * client may have sent it again). Its probe, method and path are unknown; its time is when the
   * counters showed it (within the poll interval).
   */
  readonly unlogged?: string;
  /** HAProxy's termination state when the request did not end normally ("SC", "SH", "sH", "CD", ...): who ended it and when. */
  readonly termination?: string;
}
/** A RequestRecord as the checks read it. */
export type RequestLine = RequestRecord & RequestRecordExtras;

export type Cluster = "blue" | "green";

/** The `f` of every op the checks understand. */
export const F = {
  /** process "phases" (its own: a phase stays open while other ops run): invoke at a phase's start, ok/fail at its end. Value: PhaseValue. */
  phase: "phase",
  /** process "shift": invoke when new weights are requested, ok once the LB applied them. Value: StepValue. */
  step: "step",
  /** process "seeder": ok with the entities created before the upgrade. Value: SeedValue. */
  seed: "seed",
  /** process "admin-writer*": one Admin API write. Value: AdminWriteValue. Timeout => info. */
  adminWrite: "admin-write",
  /** process "verifier*": one look at one node for one write. Value: ObservationValue. */
  observe: "observe",
  /** process "verifier*": one entity checked on one node after finish. Value: EntityCheckValue. */
  verifyEntity: "verify-entity",
  /** process "migrations": invoke value {image, args}; completion value MigrationCommandValue. */
  migrationsBootstrap: "migrations-bootstrap",
  migrationsUp: "migrations-up",
  migrationsFinish: "migrations-finish",
  migrationsList: "migrations-list",
  /** process "datastore": ok with SchemaSnapshotValue. */
  schemaSnapshot: "schema-snapshot",
  /** process "datastore": ok with SchemaMetaValue (schema_meta read directly). */
  schemaMeta: "schema-meta",
  /** process "load": ok with LoadSummaryValue once vegeta is done. */
  loadSummary: "load-summary",
  /** process "harness": ok with OldNodeStartValue. */
  oldNodeStart: "old-node-start",
  /** process "harness": ok with NodeReadyValue, once per new node: did real requests match the baseline? */
  nodeReady: "node-ready",
  /** process "harness": ok with NodeLogValue (a failed node's log excerpt, for the report). */
  nodeLog: "node-log",
  /** process "migrations": `kong config db_export` with the old image; invoke {image, args}, completion MigrationCommandValue. */
  configExport: "config-db-export",
  /** process "migrations": `kong config db_import` with the new image on the new keyspace; MigrationCommandValue. */
  configImport: "config-db-import",
  /** process "harness": ok with NodeStartValue, once per node start the procedure attempted (fresh install). */
  nodeStart: "node-start",
  /** process "harness": ok with AdminFreezeValue when the harness freezes or unfreezes Admin writes. */
  adminFreeze: "admin-freeze",
  // Issue 7, upgrade bugs hidden by caches, old-shaped data and the finish gate:
  /** process "harness": ok with ProbeAnswersValue: the seed probes sent straight to one node (a cold old node after `up`, an old node after a rebuild or after finish). */
  probeAnswers: "probe-answers",
  /** process "harness": ok with EntityStateValue: every seeded entity as one cluster's Admin API returned it (the old cluster, before `up`). */
  entityState: "entity-state",
  // Issue 14, the user's own configuration:
  /** process "harness": ok with ConfigurationValue: the `--config` file the old cluster is seeded with, before anything starts. */
  configuration: "configuration",
  /** process "harness": ok with BaselineLearnedValue: the probes' expected answers, as the old cluster gave them after the seed. */
  baselineLearned: "baseline-learned",
  /** process "verifier": ok with EntityAfterFinishValue: one entity seeded before `up`, read and re-PATCHed unchanged on a new node after finish. */
  entityAfterFinish: "entity-after-finish",
  /** process "harness": ok with OldNodeGateValue: every old node's proxy and Admin ports probed before `kong migrations finish`. */
  oldNodeGate: "old-node-gate",
  /** process "nemesis:<fault id>" (one per fault, faults overlap): invoke when injected, ok when recovered (info: its recovery failed, fail: could not be injected; no completion: the run ended while it was held). Value: FaultValue. */
  fault: "fault",
  /** process "nemesis": ok once at the start of a chaos run with ChaosScheduleValue (seed, resolved schedule, load balancer settings). */
  chaosSchedule: "chaos-schedule",
  // Issue 7, migrations under faults:
  /** process "datastore": ok with DataFingerprintValue (entity counts, configuration hash and unique keys, read directly). */
  dataFingerprint: "data-fingerprint",
  /** process "harness": ok with MigrationRecoveryValue once a killed `up`/`finish` was re-run and verified against a clean run. */
  migrationRecovery: "migration-recovery",
  // Issue 12: the same requests answered by old and new nodes at the same moment.
  /** process "parity": ok with ParitySampleValue: every sampled probe sent at once to two old nodes and one new node. */
  paritySample: "parity-sample",
  /** process "harness": ok with ReadinessValue once the readiness gate judged a node: when `/status` said ready, when it served like the baseline. */
  readiness: "readiness",
  // Issue 13: what really reached a node's Admin API, and writes re-applied to a new keyspace.
  /** process "harness": ok with AdminAccessLogValue: the Admin API access logs of a cluster's running nodes, read from their output. */
  adminAccessLog: "admin-access-log",
  /** process "harness": one write accepted on the old cluster after `kong config db_export`, re-applied on the new keyspace at the cut-over. Value: AdminReapplyValue. */
  adminReapply: "admin-reapply",
} as const;

/** One non-read request (not GET, HEAD or OPTIONS) in a node's Admin API access log. */
export interface AccessLogWrite {
  /** When the node logged it (nginx logs once the answer is sent), run clock. */
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
}
export interface NodeAccessLog {
  readonly node: string;
  /** Requests the log shows in all (reads included). */
  readonly requests: number;
  /** Whether the request the harness sent just before reading showed in the log: the log is on and read to its end. */
  readonly markerSeen: boolean;
  readonly writes: readonly AccessLogWrite[];
  /** Why the log could not be read. */
  readonly error?: string;
}
/** `nodes`: every node of the cluster running when the logs were read (none: no node of it was running). */
export interface AdminAccessLogValue { readonly cluster: Cluster; readonly nodes: readonly NodeAccessLog[] }
export interface AdminReapplyValue {
  /** The write on the old cluster that this re-applies. */
  readonly writeId: string;
  readonly entity: string;
  readonly action: "create" | "update" | "delete";
  readonly method: string;
  readonly path: string;
  /** Kong's answer; a create answered 409 or a delete answered 404 was already in the export. */
  readonly status?: number;
}

export interface PhaseValue { readonly phase: UpgradePhase }
/** `index` counts from 0 in plan order; `greenWeight` is the planned green share in percent. */
export interface StepValue { readonly index: number; readonly greenWeight: number }
/** Entity keys look like "services/svc-1", "routes/r-2", "consumers/alice". */
export interface SeedValue { readonly entities: readonly string[] }

export interface AdminWriteValue {
  /** Unique per write; observations name it. */
  readonly writeId: string;
  /** Cluster whose Admin API received the write. */
  readonly cluster: Cluster;
  readonly entity: string;
  readonly action: "create" | "update" | "delete";
  /** Nodes that must show the write; default: every node of both clusters (CheckExpectations.nodes). */
  readonly expectOn?: readonly string[];
  /** An invalid write Kong must refuse with this status (e.g. 400 schema violation); it must never be accepted. */
  readonly expectRejected?: number;
  /** The request, as an access log shows it. */
  readonly method?: string;
  readonly path?: string;
}
/** Completion error of a write the harness's own guard refused (never sent). */
export const WRITE_REFUSED = "refused-before-finish";
/** Prefix of the completion error of a write that never reached Kong (connection refused: the node is down). */
export const WRITE_NOT_SENT = "not sent";

export interface ObservationValue {
  readonly writeId: string;
  /** Cluster of the observed node (the op's `node`). */
  readonly cluster: Cluster;
  readonly entity: string;
  /** What the node showed, in words ("present v3", "absent", "status 404"). */
  readonly seen: string;
  /** The node shows the write's effect. */
  readonly matches: boolean;
}

export interface EntityCheckValue {
  readonly entity: string;
  readonly cluster: Cluster;
  readonly seen: string;
  readonly matches: boolean;
}

export interface MigrationCommandValue {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly image: string;
}

/** One row of `schema_meta`, read directly from the datastore. */
export interface SchemaMetaRow {
  readonly key: string;
  readonly subsystem: string;
  readonly lastExecuted: string | null;
  readonly executed: readonly string[];
  readonly pending: readonly string[];
}
export interface SchemaMetaValue { readonly label: string; readonly rows: readonly SchemaMetaRow[] }

/** Client-side counts from vegeta (structurally a subset of load's AttackSummary). */
export interface LoadSummaryValue {
  readonly requests: number;
  /** Count per status code; "0" = no response. */
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Distinct error messages (status errors included) with their counts. */
  readonly errors: Readonly<Record<string, number>>;
  readonly aborted?: boolean;
  /** When vegeta received its last answer, epoch ms (the LB's answers after it never reached vegeta). */
  readonly lastAnswerEpochMs?: number;
  /** How vegeta ended when nobody stopped it ("killed by SIGKILL"); absent when it ran to its end. */
  readonly failure?: string;
}

export interface OldNodeStartValue {
  /** Exit code when it exited; null while it runs. */
  readonly exitCode: number | null;
  readonly started: boolean;
  readonly logs: string;
  readonly servesCorrectly?: boolean;
  /** Baseline requests replayed on the old node when it started. */
  readonly baseline?: { readonly correct: number; readonly total: number };
  readonly image: string;
  readonly version: string;
}

export interface NodeLogValue { readonly node: string; readonly image?: string; readonly reason: string; readonly excerpt: string }

/** Whether a new node answered the baseline probes correctly before it got traffic. */
export interface NodeReadyValue {
  readonly node: string;
  readonly cluster: Cluster;
  readonly ready: boolean;
  /** Probes that did not answer as the baseline, e.g. "keyauth-ok got 503". */
  readonly mismatches: readonly string[];
}

/** One attempt to start a Kong node: did it come up, or exit (with its error)? */
export interface NodeStartValue {
  readonly node: string;
  readonly cluster: Cluster;
  readonly image: string;
  readonly started: boolean;
  /** Exit code when the node exited during its start; null when it started. */
  readonly exitCode: number | null;
  readonly logs?: string;
}

/** Admin writes on the old cluster frozen (from the export) or unfrozen (after the cut-over). */
export interface AdminFreezeValue { readonly frozen: boolean; readonly cluster: Cluster; readonly reason: string }

/** What a fault's window may do to traffic, declared by the scenario with the fault. */
export type FaultExpectation =
  /** Not one failed load request inside the window (+ grace), e.g. a node kill with retries on. */
  | { readonly kind: "zero-failures"; readonly graceMs?: number }
  /** Failures only inside the window (+ grace), at most maxFailures. */
  | { readonly kind: "budget"; readonly maxFailures: number; readonly graceMs?: number }
  /** The proxy keeps serving (from cache) while the datastore is away: no failed load request;
   * Admin writes in the window fail cleanly (fail/info) or succeed and propagate, never get lost. */
  | { readonly kind: "proxy-unaffected"; readonly graceMs?: number };

/** One injected fault (op "fault"): what, where, with which parameters, and what it may do. */
export interface FaultValue {
  readonly id: string;
  /** "kill", "stop", "pause", "restart", "extra-node", "datastore-restart", "latency", "bandwidth", "timeout", "reset-peer", "partition". */
  readonly kind: string;
  /** In words: "node blue-1", "cluster green", "all nodes", "datastore". */
  readonly target: string;
  /** Kong nodes the fault acts on (empty for the datastore itself). */
  readonly nodes: readonly string[];
  readonly params: Readonly<Record<string, number | string | boolean>>;
  /** When it was scheduled, in words ("phase Shift +2000ms", "step 50% +500ms", "at 30000ms"). */
  readonly at: string;
  readonly expect: FaultExpectation;
  /** Set on the completion: what recovery did ("restarted, back in rotation after 1800ms"). */
  readonly outcome?: string;
}

/** The resolved schedule of a chaos run, recorded once so the run can be reproduced. */
export interface ChaosScheduleValue {
  readonly seed: number;
  readonly faults: readonly { readonly id: string; readonly kind: string; readonly target: string; readonly at: string; readonly expect: FaultExpectation }[];
  /** The load balancer's settings (retries, health checks, timeout, error budget). */
  readonly loadBalancer: Readonly<Record<string, unknown>>;
  /** Kong nodes and migration commands reach the datastore through Toxiproxy. */
  readonly toxiproxy: boolean;
}

// ---------------------------------------------------------------------------------------------
// Issue 7: records of the cold old node, the rebuild, old-shaped data after finish and the finish gate.

/** What one probe sent straight to a node answered (null status: no answer). */
export interface ProbeAnswerValue { readonly probe: string; readonly status: number | null; readonly fromUpstream: boolean; readonly error?: string }

export interface ProbeAnswersValue {
  readonly node: string;
  readonly cluster: Cluster;
  /** cold-start: an old node started after `up`; rebuild: a running old node after an unrelated config change; old-after-finish: the old node started after finish. */
  readonly purpose: "cold-start" | "rebuild" | "old-after-finish";
  /** In words, what was done first ("created and deleted route kuh-rebuild-1 and its key-auth plugin"). */
  readonly detail?: string;
  readonly answers: readonly ProbeAnswerValue[];
}

/** Entity key "consumers/<id>" -> the Admin API's JSON body. */
export interface EntityStateValue {
  readonly label: string; readonly cluster: Cluster; readonly node: string; readonly entities: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** "before-up": each entity PATCHed on this node with the body its GET returned, before `up`: the old version's own answers. */
  readonly patches?: Readonly<Record<string, { readonly status: number; readonly body: unknown }>>;
  /** The user's entities (`--config`), read only: no PATCH was sent before `up` nor after finish (`--patch-user-entities` sends them). */
  readonly readOnly?: boolean;
}

export interface ConfigurationValue {
  /** The `--config` file; null: the built-in configuration (a run with only `--load`). */
  readonly file: string | null;
  /** The `--load` profile file; null: the default load. */
  readonly loadProfile: string | null;
  readonly probes: number;
  readonly plugins: readonly string[];
  /** What the probe generator could not do (a regex path it could not sample, an RS256 key). */
  readonly notes: readonly string[];
}

export interface BaselineLearnedValue {
  readonly node: string;
  readonly probes: number;
  /** Probes the old cluster answered otherwise than predicted ("x: predicted 401, the old cluster answered 403"). */
  readonly differs: readonly string[];
  /** Probes left out because the old cluster itself answered them with a server error or not at all. */
  readonly dropped: readonly string[];
}

export interface EntityAfterFinishValue {
  readonly entity: string;
  readonly node: string;
  readonly get: { readonly status: number; readonly body: unknown };
  /** The PATCH of the body GET returned (without id, created_at, updated_at); absent when GET failed. */
  readonly patch?: { readonly status: number; readonly body: unknown };
}

/** One port of one old node, probed with a real connection. */
export interface PortProbeValue { readonly url: string; readonly answered: boolean; readonly detail: string }
export interface OldNodeProbeValue { readonly node: string; readonly proxy: PortProbeValue; readonly admin: PortProbeValue; readonly inHarnessList: boolean }
export interface OldNodeGateValue { readonly nodes: readonly OldNodeProbeValue[]; readonly answering: readonly string[] }

// ---------------------------------------------------------------------------------------------
// Issue 7: migrations killed and re-run, compared with a clean run.

/** One entity table of a data fingerprint. `detail`: row key -> column -> short hash (absent past ROW_DETAIL_LIMIT rows). */
export interface TableFingerprint {
  readonly rows: number;
  /** Hash over every row's configuration (timestamp columns left out). */
  readonly configHash: string;
  /** Unique key ("username", "id", "key") -> its values, sorted. */
  readonly uniqueKeys: Readonly<Record<string, readonly string[]>>;
  readonly detail?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}
export interface DataFingerprint { readonly strategy: "postgres" | "cassandra"; readonly tables: Readonly<Record<string, TableFingerprint>> }
export interface DataFingerprintValue { readonly label: string; readonly fingerprint: DataFingerprint }

/** The datastore's state at one point: schema_meta and the data fingerprint. */
export interface DatastoreState { readonly schemaMeta: readonly SchemaMetaRow[]; readonly fingerprint: DataFingerprint }

/** One migration command the recovery ran, and what it said. */
export interface RecoveryRun {
  readonly command: "up" | "finish" | "list";
  readonly exitCode: number | null;
  /** The first line of its output that says what happened ("Database is already up-to-date", "aborted: …", "Error: …"). */
  readonly line: string;
  readonly aborted: boolean;
}

export interface MigrationRecoveryValue {
  /** The fault: which command, how it was killed ("crash", "sigkill", "client-timeout") and where ("before-record", "halfway"). */
  readonly fault: { readonly command: "up" | "finish"; readonly kind: string; readonly point: string; readonly exitCode: number | null; readonly line: string };
  /** Re-runs until the state settled; every aborted run is followed by a `list` (a state check). */
  readonly reruns: readonly RecoveryRun[];
  /** The clean run's state after the same command, on a datastore seeded the same way. */
  readonly reference: DatastoreState;
  readonly recovered: DatastoreState;
  /** `up` and `finish` run again once the procedure is complete: each must change nothing. */
  readonly noop: readonly RecoveryRun[];
  /** The procedure complete (after finish), before and after the no-op runs. */
  readonly beforeNoop: DatastoreState;
  readonly afterNoop: DatastoreState;
  /** The clean run's final state (after its finish). */
  readonly referenceFinal: DatastoreState;
}

/** Several `up` runs started at once, then `list` and the datastore's state. */
export interface ConcurrentUpsValue {
  readonly runs: readonly (RecoveryRun & { readonly migrated: boolean })[];
  readonly list: RecoveryRun;
  readonly listExitCode: number | null;
  readonly state: DatastoreState;
}

// ---------------------------------------------------------------------------------------------
// Issue 12: response parity, the same requests to two old nodes and one new node at the same moment.

/** What the upstream (the echo service) received for one proxied request. */
export interface UpstreamReceived {
  readonly method: string;
  /** The path Kong sent upstream (after `strip_path`), without the query. */
  readonly path: string;
  /** The raw query string Kong sent upstream, without the "?" ("" when none). */
  readonly query: string;
  /** Every request header the upstream received (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One node's answer to one sampled probe. */
export interface ParityAnswer {
  readonly node: string;
  /** null: no answer (connection error, reset, timeout: `error` says which). */
  readonly status: number | null;
  readonly error?: string;
  /** Every response header (lower-case names; repeated headers joined with ", "). */
  readonly headers: Readonly<Record<string, string>>;
  /** An answer Kong generated itself (not from the upstream): its body, parsed when it is JSON. */
  readonly body?: unknown;
  /** An answer from the upstream (x-echo): what the upstream received. */
  readonly upstream?: UpstreamReceived;
  readonly latencyMs: number;
}

/** One probe of one sample: sent at the same moment to old nodes `old[0]`, `old[1]` (the same node when the old cluster has one) and new node `new`. */
export interface ParityProbeSample {
  readonly probe: string;
  readonly old: readonly [ParityAnswer, ParityAnswer];
  readonly new: ParityAnswer;
}

export interface ParitySampleValue {
  /** ready: taken as a new node became ready; serving: while both clusters serve. */
  readonly purpose: "ready" | "serving";
  /** The phase the scenario was in when the sample was sent. */
  readonly phase?: UpgradePhase;
  readonly nodes: { readonly old: readonly [string, string]; readonly new: string };
  /** Run-clock time the requests were sent. */
  readonly sentMs: number;
  readonly probes: readonly ParityProbeSample[];
}

/** A node's readiness as a `/status` probe sees it beside whether it answered like the baseline (issue 12). */
export interface ReadinessValue {
  readonly node: string;
  readonly cluster: Cluster;
  /** Run-clock time `GET /status` first answered 200 while the gate watched; null: never. */
  readonly statusReadyMs: number | null;
  /** Run-clock time every seed probe first answered like the baseline; null: not within the gate's budget. */
  readonly servingMs: number | null;
  /** What it answered wrong at the last try, when it never served like the baseline. */
  readonly lastMismatches: readonly string[];
  /** The fault that started the node (again): a killed node's return, an extra node; absent for the scenario's own nodes. */
  readonly startedBy?: string;
}
