// Every stand-in fault switch (standin/README.md) makes one blue/green run fail: the check that
// should catch it fails with a diagnosis that points at the cause, and no other check fails
// (except where a row lists another, with the reason). One run per row, through the CLI, one
// after the other (2 cores). Runs are kept short where the switch allows: 1 old node, 100
// requests/s, 1 s holds, steps 0/50/100 unless the switch needs both clusters at other shares.
//
// Where a switch breaks a new node before it gets traffic, the readiness gate (new-nodes-ready)
// is what catches it: those rows run with `--readiness baseline`, so the scenario stops there
// (later checks are "unknown", never "fail"). With the default `status` the same node would also
// get traffic and fail requests: the ready-before-serving row shows that.
//
// A row may name further checks that must fail with their own diagnosis (alsoCatches): switches
// whose checks do not interfere share one run, and a switch that truly breaks two properties (a
// key-auth bypass is a failed request and a security regression) is shown caught by both.
//
// Key rotation is on (the default) in these runs, but a key is revoked only 4 workload cycles
// (about 6 s of shift) after its creation, and the short runs end their shift before that: the demo
// pair's revoked-key finding (Kong 2.1's cache-key change, asserted in clean-runs.test.ts) cannot
// show in them. The one row with a longer shift turns rotation off, saying why.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import type { StartedKongCluster } from "../../harness/kong/cluster.ts";
import type { StartedKongContainer } from "../../harness/kong/kong-container.ts";
import { onCleanup } from "../../harness/runtime/cleanup.ts";
import { PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";
import { UpgradeScenario } from "../../harness/scenario/index.ts";
import type { StartedLoadBalancer } from "../../harness/traffic/index.ts";
import { describeRun, options, runSteps } from "./in-process.ts";
import { describeChecks, NO_ROTATION_FLAGS, PROXY_5XX_RUN, runScenarioOnce, type ScenarioArgs } from "./scenario-run.ts";

interface Diagnosis {
  readonly message: readonly RegExp[];
  readonly evidence?: readonly RegExp[];
}

interface FaultCase {
  readonly title: string;
  /** The README's switch names this row exercises. */
  readonly switches: readonly string[];
  readonly run: ScenarioArgs;
  /** The check that must fail. */
  readonly catches: string;
  /** Each must match the catching check's message. */
  readonly message: readonly RegExp[];
  /** Each must match some line of its evidence. */
  readonly evidence?: readonly RegExp[];
  /** Further checks that must fail too, each with its own diagnosis. */
  readonly alsoCatches?: Readonly<Record<string, Diagnosis>>;
  /** Other checks that may fail too, each with why the switch truly breaks that property as well. */
  readonly mayAlsoFail?: Readonly<Record<string, string>>;
  /** A harness change this row depends on, shown when it fails. */
  readonly requires?: string;
}

const PAIR = { old: "1.5.1", new: "2.6.0" } as const;
const SHORT = { ...PAIR, steps: [0, 50, 100] } as const;
/** New nodes get traffic only once they answer like the baseline: a broken node stops the run at its gate. */
const GATED = ["--readiness", "baseline"];
/** A node that says ready on `/status` and never serves like the baseline: what a production load balancer would send traffic to. */
const SAID_READY_NEVER_SERVED = { message: [/^1 of 1 nodes said ready before they served like the baseline, by more than the propagation bound \d+ ms: green-1 \(green, during GreenStart\): `\/status` said ready at \d+ ms, never answered like the baseline \(last: /] };

/** A key deleted through the old node and never seen refused on either new node. */
const LOST_DELETE = String.raw`write blue-\d+:delete:keyauth_credentials\/key-\d+ \(delete keyauth_credentials\/key-\d+ via blue-1 during [^)]+\) never seen on green-1, green-2`;

const CASES: readonly FaultCase[] = [
  {
    title: "auth-bypass-until-finish on the new cluster: the readiness gate sees key-auth not enforced",
    switches: ["auth-bypass-until-finish"],
    run: { ...SHORT, faults: "green=auth-bypass-until-finish", flags: GATED },
    catches: "new-nodes-ready",
    message: [/^1 of 1 new nodes never answered like the baseline: new node green-1 \(green\) did not answer like the baseline during GreenStart: keyauth-missing got 200, keyauth-wrong got 200$/],
    alsoCatches: {
      "security-parity": { message: [/^security parity broken: 2 requests that the baseline refuses were answered 200: keyauth-missing \(baseline 401\) got 200 on green-1 \(green\) during GreenStart \[probe: ready\]; keyauth-wrong \(baseline 401\) got 200 on green-1 \(green\) during GreenStart \[probe: ready\]$/] },
      "readiness-honest": SAID_READY_NEVER_SERVED,
    },
  },
  {
    title: "auth-bypass-until-finish from 5 s after start (past the readiness gate): 200s on green during the shift, then the error budget rolls back",
    switches: ["auth-bypass-until-finish"],
    // No key rotation: the error budget's rollback ends the shift at a moment that varies from run
    // to run, so whether a key is revoked before it (and the pair's revoked-key finding shows) would
    // vary too, blurring what this row asserts.
    run: { ...PAIR, steps: [0, 25, 75, 100], holdMs: 3_000, faults: "green=auth-bypass-until-finish@after=5000", flags: NO_ROTATION_FLAGS },
    catches: "zero-failed-requests",
    message: [/^\d+ of [\d,]+ requests failed: \d+ status 200 on green-[12] during Shift step (25|75|100)%/],
    evidence: [/^by kind: status 200 \d+$/, /^by cluster: green \d+$/, /^by probe: keyauth-(missing|wrong) \d+, keyauth-(missing|wrong) \d+$/],
    alsoCatches: {
      "security-parity": { message: [/^security parity broken: \d+ requests that the baseline refuses were answered 200: keyauth-(missing|wrong) \(baseline 401\) got 200 on green-[12] \(green\) during Shift step (25|75|100)%/] },
      // The same refusals, sent at the same moment to the old node and a new one: the statuses differ.
      "response-parity": { message: [/keyauth-(missing|wrong): status: old 401 \(blue-1\), new 200 \(green-[12]\), during Shift step \d+%/] },
    },
    mayAlsoFail: {
      "traffic-split": "the breach rolls traffic back to blue in the middle of a step, so that step's achieved share mixes both weights (the rollback is not a step op)",
    },
  },
  {
    title: "accept-invalid-writes on the old cluster (it takes the Admin writes): invalid consumers stored with 201",
    switches: ["accept-invalid-writes"],
    run: { ...SHORT, faults: "blue=accept-invalid-writes" },
    catches: "invalid-writes-refused",
    message: [/^\d+ of \d+ invalid Admin writes were not refused as Kong must: write blue-\d+:create:consumers\/invalid-1 was accepted where Kong must refuse it with 400 \(create consumers\/invalid-1 via blue-1 during Shift( step \d+%)?\)/],
  },  {
    // The switch loses what Kong 2.1's cache-key change lost, on a pair that has no such change of
    // its own (2.5.1 and 2.6.0 share the 2.1+ format): entity keys, not router:version. Routes are
    // read afresh at each router rebuild, so route writes still show on the new nodes (the message
    // is anchored so that any other lost write would break the match); a key is cached by its own
    // key, so each key revoked through blue stays valid on the new nodes. Key rotation (the
    // default) needs the longer shift of the default weight plan to revoke a key.
    title: "lost-invalidation on the old cluster (2.5.1 -> 2.6.0): keys revoked through blue stay valid on the new nodes, route writes still show there",
    switches: ["lost-invalidation"],
    run: { old: "2.5.1", new: "2.6.0", holdMs: 1_500, faults: "blue=lost-invalidation" },
    catches: "admin-writes-propagated",
    message: [new RegExp(`^\\d+ problems? with Admin writes: ${LOST_DELETE}(; ${LOST_DELETE})*$`)],
    alsoCatches: {
      "state-after-finish": { message: [/^after finish: \d+ entity checks wrong on the new cluster: keyauth_credentials\/key-\d+ on green-[12] \(seen: status 200\)/] },
    },
    mayAlsoFail: {
      "old-node-refuses-after-finish": "Kong 2.5 starts after the 2.6.0 finish and serves: the pair's own finding (clean-runs.test.ts), not the switch's",
    },
  },
  {
    title: "counter-format-split on the new cluster: both clusters let the limit through",
    switches: ["counter-format-split"],
    // 25% and 75%: at 50% the LB's strict alternation and vegeta's 10-target round robin send the
    // rate-limited probe to one cluster only, so the two counters would never both be hit.
    run: { ...PAIR, steps: [0, 25, 75, 100], faults: "green=counter-format-split" },
    catches: "shared-rate-limit",
    message: [/^shared rate limit not shared: probe rate-limited \(limit 5\/s\) was answered 200 after the limit was used up in \d+ of \d+ seconds: second /,
      /during Shift step (25|75)%[^;]*\): \d+ answers 200 from [^;]*; (blue \d+, green \d+|green \d+, blue \d+)/],
  },
  {
    // Needs the faults of the node named "blue-after-finish" to reach the old node started after
    // finish (upgrade-scenario.ts startOldNodeAfterFinish): with `blue=` the switch would also open the
    // old cluster's nodes as soon as `up` executed a newer migration. 2.0.5 -> 2.6.0: the 2.0.5 node
    // starts after the 2.6.0 finish; unswitched it serves 11/11 correctly (see clean-runs for 2.5.1).
    //
    // proxy-reset rides along: it acts on green-1's proxied answers during the shift, the other
    // switch on a node that starts after finish and is probed directly (never through the load
    // balancer), and their checks read different records.
    title: "old-after-finish-open on the old node started after finish: it starts and serves wrong answers; proxy-reset at 2% on one new node: resets attributed to it",
    switches: ["old-after-finish-open", "proxy-reset"],
    run: { old: "2.0.5", new: "2.6.0", steps: [0, 50, 100], faults: "blue-after-finish=old-after-finish-open;green-1=proxy-reset@rate=0.02" },
    catches: "old-node-refuses-after-finish",
    message: [/^kong-standin:2\.0\.5 started against a database finished by kong-standin:2\.6\.0 and served 2\/11 baseline requests incorrectly \(9 correct\): an old node after finish serves wrong answers$/],
    alsoCatches: {
      "security-parity": { message: [/^security parity broken: 2 requests that the baseline refuses were answered 200: keyauth-missing \(baseline 401\) got 200 on blue-after-finish \(blue\) during OldNodeAfterFinish \[probe: old-after-finish\]; keyauth-wrong \(baseline 401\) got 200 on blue-after-finish \(blue\) during OldNodeAfterFinish \[probe: old-after-finish\]$/] },
      "zero-failed-requests": {
        message: [/^\d+ of [\d,]+ requests failed: \d+ reset on green-1 during /],
        evidence: [/^by kind: reset \d+$/, /^by node: green-1 \d+$/],
      },
    },
    mayAlsoFail: { "state-after-finish": "the harness's own probes of green-1 after finish draw the same 2% of resets" },
  },
  {
    title: "healthy-not-serving on one new node: /status is fine, proxied requests hang",
    switches: ["healthy-not-serving"],
    run: { ...SHORT, faults: "green-1=healthy-not-serving", flags: GATED },
    catches: "new-nodes-ready",
    message: [/^1 of 1 new nodes never answered like the baseline: new node green-1 \(green\) did not answer like the baseline during GreenStart: public-get got Headers Timeout Error, /],
    alsoCatches: { "readiness-honest": SAID_READY_NEVER_SERVED },
  },
  {
    title: "proxy-5xx at 2% on one new node: 502s attributed to it",
    switches: ["proxy-5xx"],
    // 2%, not 5%: at 5% green-1 alone spends the run's error budget (50 failed requests), and the
    // breach then stops the run, which is the budget's diagnosis, not this switch's.
    run: PROXY_5XX_RUN,
    catches: "zero-failed-requests",
    message: [/^\d+ of [\d,]+ requests failed: \d+ status 502 on green-1 during /],
    evidence: [/^by kind: status 502 \d+$/, /^by node: green-1 \d+$/, /^by cluster: green \d+$/],
    mayAlsoFail: {
      "state-after-finish": "the harness's own probes of green-1 after finish draw the same 2% of 502s",
      "response-parity": "the parity samples sent to green-1 draw the same 2% of 502s: Kong's own 502 where the old node answered the probe",
    },
  },
  {
    // Four switches that change what a new node answers without changing a status share one run:
    // their checks read different fields and do not interfere.
    title: "upstream-consumer-headers-dropped, response-headers-dropped, error-body-changed and proxy-slow on the new nodes: response-parity names each field, latency-parity the added time",
    switches: ["upstream-consumer-headers-dropped", "response-headers-dropped", "error-body-changed", "proxy-slow"],
    run: { ...SHORT, faults: "green=upstream-consumer-headers-dropped,response-headers-dropped,error-body-changed,proxy-slow" },
    catches: "response-parity",
    message: [/^old and new nodes answered the same requests differently \(\d+ differences beyond the old nodes' own noise and the documented ones\): /],
    evidence: [
      /^keyauth-ok: upstream header x-consumer-username: old "alice" \(blue-\d\), new missing \(green-\d\), during /,
      /^[a-z-]+: response header (via|x-ratelimit-[a-z-]+|ratelimit-[a-z]+): old "[^"]*" \(blue-\d\), new missing \(green-\d\), during /,
      /^keyauth-missing: body message: old "No API key found in request" \(blue-\d\), new missing \(green-\d\), during /,
    ],
    alsoCatches: {
      "latency-parity": {
        message: [/^the new cluster answered slower than the old one in the same seconds while both served: all routes: p50 1\d\d ms new vs \d+ ms old \(> 2 x and > \+25 ms\)/,
          /; p50 by node: green-\d 1\d\d ms, green-\d 1\d\d ms, blue-/, /; during the shift steps at \d+%/],
      },
    },
  },
  {
    // The default `--readiness status`: green-1 gets traffic once its `/status` says ready, as a
    // production load balancer would give it, and answers 503 until it really serves.
    title: "ready-before-serving on one new node: `/status` says ready seconds before it serves; readiness-honest names the node and the gap, and its 503s fail requests",
    switches: ["ready-before-serving"],
    run: { ...SHORT, faults: "green-1=ready-before-serving@for=8000" },
    catches: "readiness-honest",
    message: [/^1 of 2 nodes said ready before they served like the baseline, by more than the propagation bound \d+ ms: green-1 \(green, during [^)]+\): `\/status` said ready at \d+ ms, answered like the baseline at \d+ ms: \d+ ms later$/],
    alsoCatches: { "zero-failed-requests": { message: [/^\d+ of [\d,]+ requests failed: (\d+ status 503 on green-1 during Shift step \d+%(, |$))+/] } },
    mayAlsoFail: {
      "traffic-split": "the 503s spend the error budget and traffic rolls back to blue in the middle of a step",
      "response-parity": "parity samples sent to green-1 while it answers 503 differ from the old nodes' 200s",
      "admin-writes-propagated": "writes are watched on green-1 through its proxy, which answers 503 until it serves: they show there late",
    },
  },
  {
    title: "up-rewrites-paths: the new (2.6.0) router reads `~` literally, so the new nodes match no path",
    switches: ["up-rewrites-paths"],
    run: { ...SHORT, faults: "green=up-rewrites-paths", flags: GATED },
    catches: "new-nodes-ready",
    message: [/did not answer like the baseline during GreenStart: public-get got 404, public-get-other got 404, method-post got 404, keyauth-ok got 404/],
    // The old (1.5.1) router reads `~` literally too: hidden by the running node's cached router
    // until the rebuild, seen at once by the cold node.
    alsoCatches: {
      "cold-old-node-parity": {
        message: [/^an old node that reads the datastore afresh after `up` answers differently from the baseline \(damage hidden by the running nodes' caches\): blue-cold \(cold start during MigrationsUp; [^)]*\): public-get got 404 \(baseline 200\), public-get-other got 404 \(baseline 200\), method-post got 404 \(baseline 200\)/,
          /; blue-1 \(rebuild during MigrationsUp; [^)]*\): public-get got 404 \(baseline 200\)/],
      },
      "readiness-honest": SAID_READY_NEVER_SERVED,
    },
    mayAlsoFail: {
      "zero-failed-requests": "the rebuild the harness forces on blue-1 after `up` makes its router read the rewritten paths, so the load blue-1 serves from then on gets 404s: the very damage its cache hid",
    },
  },
  {
    // The crash lands in 1.5.1 -> 2.6.0's first migration (008_150_to_200), before anything is
    // recorded: no migration is pending, so the re-run waits on the dead run's lock. Kong's
    // cluster_mutex polls until its own TTL count runs out; whether its last poll (at 59.3 s of
    // sleep) already sees the dead lock expired depends on how long after the crash the re-run
    // started. Either way nothing is migrated: it prints the "aborted" line (exit 0) or
    // `[PostgreSQL error] timeout` (exit 1), and `list` still shows every new migration.
    //
    // migration-not-rerunnable rides along (one run, as each costs the lock's 60 s): Kong's own
    // guards stop the re-run before it reaches the non-re-runnable DDL (with a pending migration it
    // refuses, "run 'kong migrations finish'"; without one it waits on the lock, as here), so that
    // switch is only ever seen through the crash; a distinct diagnosis needs a stale-lock re-run.
    title: "migration-crash-after-ddl (with migration-not-rerunnable): `up` dies (137) after DDL it never recorded; the re-run waits on the dead run's lock, never reaches the DDL, and migrates nothing",
    switches: ["migration-crash-after-ddl", "migration-not-rerunnable"],
    run: { ...SHORT, faults: "green=migration-crash-after-ddl,migration-not-rerunnable" },
    catches: "migrations-output",
    message: [new RegExp("^migrations-up \\(kong-standin:2\\.6\\.0, during MigrationsUp\\) exited 137, expected 0; migrations-up \\(kong-standin:2\\.6\\.0, during MigrationsUp\\) "
      + "(did not print \" processed\"; .*migrations-list \\(kong-standin:2\\.6\\.0, during GreenStart\\) exited 5, expected 0" // aborted: the run went on, nothing migrated
      + "|exited 1, expected 0: Error: \\[PostgreSQL error\\] timeout)$", "s")], // timed out: the run stopped there
    evidence: [/aborted: another node is performing database changes|\[PostgreSQL error\] timeout/],
  },
  {
    // Kong's DB:run_migrations returns at the first failed migration and `up` exits 1 (the error
    // re-raised by cluster_mutex): the migrations before it stay recorded, and the run stops there.
    title: "up-fails-midway: a migration's SQL fails after half of `up` was recorded; `up` prints Kong's error and exits 1",
    switches: ["up-fails-midway"],
    run: { ...SHORT, faults: "green=up-fails-midway" },
    catches: "migrations-output",
    // The harness re-runs a failed `up` once, as an operator would; Kong refuses it, the recorded
    // half having left pending migrations.
    message: [/^migrations-up \(kong-standin:2\.6\.0, during MigrationsUp\) exited 1, expected 0: Error: \[PostgreSQL error\] cluster_mutex callback threw an error: \[PostgreSQL error\] failed to run migration '\w+' up: ERROR: column "name" of relation "services" already exists; migrations-up \(kong-standin:2\.6\.0, during MigrationsUp\) exited 1, expected 0: Error: Database has pending migrations; run 'kong migrations finish'$/],
    evidence: [/^migrations-up \(kong-standin:2\.6\.0, during MigrationsUp\): exit 1 FAIL$/],
  },
  {
    title: "up-records-nothing: `up` exits 0 but `list` still reports new migrations",
    switches: ["up-records-nothing"],
    run: { ...SHORT, faults: "green=up-records-nothing" },
    catches: "migrations-output",
    message: [/^migrations-list \(kong-standin:2\.6\.0, during GreenStart\) exited 5, expected 4$/],
  },
  {
    // Old nodes keep serving the damaged credentials from their caches (no invalidation is sent),
    // so it is the new nodes, reading the datastore, that show it, at the readiness gate.
    title: "up-damages-data: key-auth keys rewritten by `up`; new nodes refuse the seeded keys",
    switches: ["up-damages-data"],
    run: { ...SHORT, faults: "green=up-damages-data", flags: GATED },
    catches: "new-nodes-ready",
    message: [/did not answer like the baseline during GreenStart: keyauth-ok got 401, keyauth-custom-id got 401$/],
    // A cold old node reads the rewritten keys too (the running one keeps them cached).
    alsoCatches: {
      "cold-old-node-parity": { message: [/: blue-cold \(cold start during MigrationsUp; [^)]*\): keyauth-ok got 401 \(baseline 200\), keyauth-custom-id got 401 \(baseline 200\)$/] },
      "credentials-survive-upgrade": {
        message: [/^credentials created before `up` were refused \d+ times: /, /keyauth-ok got 401 on blue-cold during MigrationsUp \[probe: cold-start\]/, /keyauth-ok got 401 on green-1 during GreenStart \[probe: ready\]/],
      },
      "readiness-honest": SAID_READY_NEVER_SERVED,
    },
  },
  {
    title: "up-stall on ratelimiting_metrics for 12 s: old-cluster requests time out (LB timeout 10 s) during `up`",
    switches: ["up-stall"],
    run: { ...SHORT, faults: "green=up-stall@for=12000@entity=ratelimiting_metrics" },
    catches: "zero-failed-requests",
    // The stalled node's `/status` stalls too, so HAProxy's health checks may take it out before the
    // stall ends: the old cluster's requests then get 503 from HAProxy (no-backend) beside the timeouts.
    message: [/^\d+ of [\d,]+ requests failed: (\d+ no-backend during MigrationsUp, )?\d+ timeout on blue-1 during MigrationsUp(, \d+ no-backend during MigrationsUp)?$/],
    evidence: [/^by probe: rate-limited \d+/],
    alsoCatches: {
      "old-latency-during-up": { message: [/^old-cluster latency during `kong migrations up` went over the bound: p99 [\d,]+ ms .* > 3 x the baseline p99 [\d,]+ ms, floor 2,000 ms: [\d,]+ ms; requests over the bound by probe: rate-limited \d+; by node: blue-1 \d+$/] },
    },
  },
  {
    // Four switches whose checks do not interfere, in one run: up-damages-cold-reads shows only to
    // an old node reading afresh (new nodes read the new form, the running old node has the keys
    // cached); up-stall for 6 s (under the LB's 10 s timeout) slows old-cluster answers without
    // errors; up-renames-column renames a column no request reads (only the schema shows it);
    // list-misses-pending changes only what the new binary's `list` prints (nothing acts on it);
    // patch-refuses-old-shaped acts after finish.
    title: "`up` hides key damage behind caches, stalls old-cluster reads for 6 s, renames a column; `list` misses the pending records; after finish the custom_id-only consumer cannot be PATCHed",
    switches: ["up-damages-cold-reads", "up-stall", "up-renames-column", "list-misses-pending", "patch-refuses-old-shaped"],
    run: { ...SHORT, faults: "green=up-damages-cold-reads,up-stall@for=6000@entity=ratelimiting_metrics,up-renames-column,list-misses-pending,patch-refuses-old-shaped" },
    catches: "cold-old-node-parity",
    message: [/^an old node that reads the datastore afresh after `up` answers differently from the baseline \(damage hidden by the running nodes' caches\): blue-cold \(cold start during MigrationsUp; started with kong-standin:1\.5\.1 after `up`\): keyauth-ok got 401 \(baseline 200\), keyauth-custom-id got 401 \(baseline 200\)$/],
    alsoCatches: {
      "old-latency-during-up": { message: [/^old-cluster latency during `kong migrations up` went over the bound: p99 [\d,]+ ms .* floor 2,000 ms: [\d,]+ ms; requests over the bound by probe: rate-limited \d+; by node: blue-1 \d+$/] },
      "migrations-output": { message: [/^migrations-list \(kong-standin:2\.6\.0, during GreenStart\) exited 5, expected 4$/] },
      "schema-meta-consistent": {
        // Both lists of the new binary after `up` (the one `up` is judged by, and GreenStart's).
        message: [/^schema_meta and `kong migrations list` disagree: during MigrationsUp: [a-z-]+: \d{3}_\w+ listed as new but schema_meta has it pending; /, /; and \d+ more \(see the evidence\)$/],
        evidence: [/^disagreement: during GreenStart: core: 009_200_to_210 listed as new but schema_meta has it pending$/],
      },
      "schema-only-adds": { message: [/^`up` must only add, but between (after-bootstrap|before-up) and after-up `kong migrations up` with kong-standin:2\.6\.0 \(during MigrationsUp\) renamed column snis\.name to server_name \(text\)$/] },
      "old-data-after-finish": {
        message: [/^3 of 12 entities seeded before `up` do not mean the same after finish: consumers\/[0-9a-f]{8}… \(only custom_id cust-42\): PATCH with the unchanged body answered 400 on green-1: .*username: required field missing/,
          /key-auths\/[0-9a-f]{8}… \(key alice-key\): key "alice-key" -> "kuh2:alice-key"/],
      },
    },
    mayAlsoFail: {
      "credentials-survive-upgrade": "the cold old node refuses the seeded keys after `up`: credentials created before `up` stopped working there (the damage is real, only hidden)",
    },
  },
];

/** Switch names from the README's table ("| `proxy-5xx@rate=r` | ..."). */
/**
 * Switches that act on one command rather than on a whole blue/green run: their checks are shown
 * failing by the migration-chaos tests, which kill and re-run the command around them, and by the
 * new-keyspace run that exports and imports the configuration.
 */
const COVERED_ELSEWHERE: Readonly<Record<string, { file: string; uses: string }>> = {
  // harness/chaos/migration-faults.ts turns a `crash` fault into this switch.
  "migration-crash": { file: "test/chaos/migration-faults.test.ts", uses: 'kind: "crash"' },
  "migration-slow": { file: "test/chaos/migration-faults.test.ts", uses: "migration-slow@for=" },
  // Acts on `kong config db_export`, which only the Cassandra new-keyspace procedure runs.
  "export-misses-recent": { file: "test/scenario/cassandra-new-keyspace.test.ts", uses: "export-misses-recent@for=" },
};

function documentedSwitches(): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, "standin/README.md"), "utf8");
  const section = readme.split("## Fault switches")[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| `([a-z0-9-]+)/gm)].map((m) => m[1]!).sort();
}

describe("scenario: every stand-in fault switch is caught by its check", function () {
  this.timeout(5 * 60_000);

  it("the table covers every switch documented in standin/README.md", () => {
    const documented = documentedSwitches();
    expect(documented.length, "no switches parsed from standin/README.md").to.be.greaterThan(10);
    expect([...new Set([...CASES.flatMap((c) => c.switches), ...Object.keys(COVERED_ELSEWHERE)])].sort()).to.deep.equal(documented);
    for (const [name, { file, uses }] of Object.entries(COVERED_ELSEWHERE)) {
      expect(readFileSync(join(PROJECT_ROOT, file), "utf8"), `${file} exercises ${name}`).to.contain(uses);
    }
  });

  for (const c of CASES) {
    it(c.title, async () => {
      const run = await runScenarioOnce(c.run);
      const all = `${c.requires ? `(requires: ${c.requires})\n` : ""}${describeChecks(run)}\nreport: ${run.reportDir}/report.json`;
      expect([run.cli.code, run.report.verdict], all).to.deep.equal([1, "fail"]);
      const caught = run.check(c.catches);
      expect(caught.status, all).to.equal("fail");
      for (const re of c.message) expect(caught.message, all).to.match(re);
      for (const re of c.evidence ?? []) expect(caught.evidence.some((line) => re.test(line)), `${re} in evidence:\n${caught.evidence.join("\n")}`).to.equal(true);
      for (const [id, d] of Object.entries(c.alsoCatches ?? {})) {
        const also = run.check(id);
        expect(also.status, `${id}\n${all}`).to.equal("fail");
        for (const re of d.message) expect(also.message, `${id}\n${all}`).to.match(re);
        for (const re of d.evidence ?? []) expect(also.evidence.some((line) => re.test(line)), `${id}: ${re} in evidence:\n${also.evidence.join("\n")}`).to.equal(true);
      }
      const allowed = new Set([c.catches, ...Object.keys(c.alsoCatches ?? {}), ...Object.keys(c.mayAlsoFail ?? {})]);
      const spurious = run.report.checks.filter((r) => r.status === "fail" && !allowed.has(r.id)).map((r) => `${r.id}: ${r.message}`);
      expect(spurious, `checks that failed although ${c.switches.join(", ")} should not break them`).to.deep.equal([]);
    });
  }
});

/**
 * The finish gate, driven by a real container left running: the old cluster is drained and its
 * nodes taken out of the harness's own list, but blue-1 is not stopped (an operator's "stopped"
 * node that still serves). The harness must probe the ports, refuse `finish` and say which node.
 */
class OldNodeLeftRunning extends UpgradeScenario {
  protected override async stopRetiredNode(cluster: StartedKongCluster, node: StartedKongContainer): Promise<void> {
    cluster.nodes.splice(cluster.nodes.indexOf(node), 1);
    onCleanup(`${node.name} (left running)`, () => node.stop(false));
  }
}

describe("scenario: `kong migrations finish` is refused while an old node still answers", function () {
  this.timeout(5 * 60_000);

  // proves: finish-waits-for-old-nodes
  it("an old node left running after the drain: finish refused, finish-waits-for-old-nodes names it, no other check fails", async () => {
    const s = new OldNodeLeftRunning("finish-refused", options({ oldImage: "kong-standin:1.5.1", newImage: "kong-standin:2.6.0", steps: [0, 50, 100] }));
    const run = await runSteps(s, [() => s.setUp(), () => s.startLoad(), () => s.migrationsUp(), () => s.startGreen(), () => s.shift(), () => s.retireBlue(),
      () => s.migrationsFinish(), () => s.verifyAfterFinish(), () => s.startOldNodeAfterFinish()]);
    const all = `${describeRun(run)}\nreport: ${run.runDir}/report.json`;
    expect(run.stepError?.message, all).to.match(/^refusing to run `kong migrations finish` while old nodes still answer: blue-1 \(proxy http:\/\/127\.0\.0\.1:\d+ answered 404, Admin API http:\/\/127\.0\.0\.1:\d+\/status answered 200\)$/);
    const c = run.check("finish-waits-for-old-nodes");
    expect(c.status, all).to.equal("fail");
    expect(c.message, all).to.match(/^`kong migrations finish` refused during MigrationsFinish: 1 old node still answers: blue-1 \(proxy http:\/\/127\.0\.0\.1:\d+ answered 404; Admin API http:\/\/127\.0\.0\.1:\d+\/status answered 200\)$/);
    expect(run.report.checks.filter((r) => r.status === "fail").map((r) => r.id), all).to.deep.equal(["finish-waits-for-old-nodes"]);
  });
});

/** How long after the harness's request a weight change takes effect on the load balancer below. */
const WEIGHTS_LAG_MS = 1_000;

/**
 * A load balancer that acknowledges a weight change before it applies it, as an nginx reload does
 * (the master answers while the old workers go on with the old weights) or an Envoy that ACKs an
 * xDS push before its listeners drained: the harness records each step as applied when its request
 * returns, and the first WEIGHTS_LAG_MS of every step still run at the weights of the step before.
 */
class WeightsAppliedLate extends UpgradeScenario {
  protected override async startLoadOn(cluster: StartedKongCluster): Promise<StartedLoadBalancer> {
    const lb = await super.startLoadOn(cluster);
    const apply = lb.setWeights.bind(lb);
    lb.setWeights = async (weights): Promise<void> => {
      const timer = setTimeout(() => void apply(weights).catch(() => undefined /* refused after a breach, as the LB would refuse it at once */), WEIGHTS_LAG_MS);
      onCleanup("late weight change", async () => clearTimeout(timer));
    };
    return lb;
  }
}

describe("scenario: a load balancer step that misses its split", function () {
  this.timeout(5 * 60_000);

  // proves: traffic-split
  it("weight changes acknowledged 1 s before they apply: traffic-split names each step, its planned and its achieved green share; no other check fails", async () => {
    // 2 s holds: each step runs its first half at the previous weights, so 50% gets about 25% and
    // 100% about 75%. No key rotation: the shift is too short for a revoked key to show anyway.
    const s = new WeightsAppliedLate("weights-applied-late", options({ oldImage: "kong-standin:1.5.1", newImage: "kong-standin:2.6.0", steps: [0, 50, 100], holdMs: 2_000, revokeCredentials: false }));
    const run = await runSteps(s, [() => s.setUp(), () => s.startLoad(), () => s.migrationsUp(), () => s.startGreen(), () => s.shift(), () => s.retireBlue(),
      () => s.migrationsFinish(), () => s.verifyAfterFinish(), () => s.startOldNodeAfterFinish()]);
    const all = `${describeRun(run)}\nreport: ${run.runDir}/report.json`;
    expect(run.stepError, all).to.equal(undefined);
    const c = run.check("traffic-split");
    expect(c.status, all).to.equal("fail");
    expect(c.message, all).to.match(/^achieved split off the plan by more than 3 pp: step 50% got (1\d|2\d|3\d)\.\d% green \(of [\d,]+ requests\); step 100% got (6\d|7\d|8\d)\.\d% green \(of [\d,]+ requests\)$/);
    expect(run.report.checks.filter((r) => r.status === "fail").map((r) => r.id), all).to.deep.equal(["traffic-split"]);
  });
});
