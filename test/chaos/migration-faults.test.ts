// Migrations under faults, against stand-in images on one Postgres (one seeded database per version
// pair; every case runs on its own copy of it, so the kill cases run concurrently):
// - `up`/`finish` killed at a chosen point and re-run end with the clean run's schema_meta and data
//   fingerprint, and `up`/`finish` run again are no-ops; damaging switches make the comparison fail
//   and say where;
// - two `up` runs at once: one migrates, the other's "aborted" is checked against the state;
// - a stale lock: `up` fails within `--lock-timeout`, takes an expired lock over, and the harness
//   bounds every command itself.
import { createHash } from "node:crypto";
import { expect } from "chai";
import { concurrentUps, MigrationChaos, NOT_LEADER_LINE, type FaultedRun, type MigrationFault } from "../../harness/chaos/migration-faults.ts";
import type { OneShotResult } from "../../harness/runtime/one-shot.ts";
import { plantStaleLock } from "../../harness/chaos/migration-datastore.ts";
import { History, migrationRecovery, verifyConcurrentUps, verifyRecovery, type CheckContext, type ConcurrentUpsValue, type MigrationRecoveryValue } from "../../harness/checks/index.ts";
import { MigrationTimeoutError } from "../../harness/kong/migrations.ts";
import { SystemClock } from "../../harness/traffic/index.ts";
import { MigrationLab, UP_ONLY, WITH_TEARDOWNS, type MigrationFixture } from "./migration-fixture.ts";

interface Case { readonly pair: "teardowns" | "upOnly"; readonly fault: MigrationFault; readonly switches?: string }
interface Outcome { readonly faulted: FaultedRun; readonly value: MigrationRecoveryValue; readonly history: History; readonly db: string }

const CASES = {
  upBeforeRecord: { pair: "upOnly", fault: { command: "up", kind: "crash", point: "before-record" } },
  upHalfway: { pair: "upOnly", fault: { command: "up", kind: "crash", point: "halfway" } },
  upSigkill: { pair: "upOnly", fault: { command: "up", kind: "sigkill", point: "halfway" } },
  upClientTimeout: { pair: "upOnly", fault: { command: "up", kind: "client-timeout", point: "halfway" } },
  finishHalfway: { pair: "teardowns", fault: { command: "finish", kind: "crash", point: "halfway" } },
  upHalfwayWithPending: { pair: "teardowns", fault: { command: "up", kind: "crash", point: "halfway" } },
  damagesData: { pair: "upOnly", fault: { command: "up", kind: "crash", point: "before-record" }, switches: "up-damages-data" },
} as const satisfies Record<string, Case>;

/** `--lock-timeout` of the faulted runs: the lock each leaves behind lives this long. */
const LOCK_S = 3;

describe("migrations under faults (stand-in, Postgres)", function () {
  this.timeout(240_000);
  let lab: MigrationLab;
  let fx: Record<Case["pair"], MigrationFixture>;
  // The lock cases run concurrently with the kill cases (each on its own copy); asserted in "the lock".
  let lockWork: Promise<unknown>;
  let concurrent: ConcurrentUpsValue;
  let staleLock: { timedOut: OneShotResult; stateAfter: string; bound: unknown; image: string };
  let expiring: { aborted: OneShotResult; stateAfter: string; takenOver: OneShotResult; locksAfter: unknown[] };

  async function onCopy<R>(fn: (ds: Awaited<ReturnType<MigrationFixture["twin"]>>) => Promise<R>): Promise<R> {
    const ds = await fx.upOnly.twin();
    try { return await fn(ds); } finally { await ds.drop(); }
  }

  before(async () => {
    lab = await MigrationLab.start([WITH_TEARDOWNS, UP_ONLY]);
    fx = { teardowns: lab.fixtures[0]!, upOnly: lab.fixtures[1]! };
    lockWork = Promise.all([
      // Each migration takes 2 s, so the second run finds the lock taken and waits for it.
      onCopy(async (ds) => { concurrent = await concurrentUps(fx.upOnly.newMigrations(ds, "migration-slow@for=2000"), ds, 2); }),
      onCopy(async (ds) => {
        await plantStaleLock(ds, 600);
        const m = fx.upOnly.newMigrations(ds);
        const timedOut = await m.run("up", [], { lockTimeoutS: 2, boundMs: 60_000 });
        const stateAfter = (await m.state()).state;
        const bound = await m.run("up", [], { lockTimeoutS: 60, boundMs: 3_000 }).then(() => undefined, (e: unknown) => e);
        staleLock = { timedOut, stateAfter, bound, image: m.image };
      }),
      onCopy(async (ds) => {
        await plantStaleLock(ds, 8);
        const m = fx.upOnly.newMigrations(ds);
        const aborted = await m.run("up", [], { lockTimeoutS: 30 });
        const stateAfter = (await m.state()).state;
        await plantStaleLock(ds, -30);
        const takenOver = await m.run("up");
        expiring = { aborted, stateAfter, takenOver, locksAfter: await ds.query("SELECT * FROM locks") };
      }),
    ]);
    lockWork.catch(() => undefined);
  });
  after(async () => { await lockWork?.catch(() => undefined); await lab?.stop(); });

  describe("killed and re-run", () => {
    const outcomes: Partial<Record<keyof typeof CASES, Outcome | Error>> = {};

    async function killAndRecover(c: Case): Promise<Outcome> {
      // Pausing the datastore would stall every case on it: that one gets a Postgres of its own.
      const ds = c.fault.kind === "client-timeout" ? await fx[c.pair].isolatedCopy() : await fx[c.pair].twin();
      try {
        const migrations = fx[c.pair].newMigrations(ds, c.switches);
        const history = new History(new SystemClock());
        const chaos = new MigrationChaos({ migrations, datastore: ds, standin: true, lockTimeoutS: LOCK_S, history });
        if (c.fault.command === "finish") expect((await migrations.run("up")).exitCode).to.equal(0);
        const faulted = await chaos.runMigrationWithFault(c.fault);
        return { faulted, value: await chaos.recoverAndVerify(faulted, fx[c.pair].reference), history, db: ds.database };
      } finally {
        await ds.drop();
      }
    }

    before(async () => {
      await Promise.all(Object.entries(CASES).map(async ([name, c]) => {
        outcomes[name as keyof typeof CASES] = await killAndRecover(c).catch((e: unknown) => e as Error);
      }));
    });

    const outcome = (name: keyof typeof CASES): Outcome => {
      const o = outcomes[name];
      if (o instanceof Error || o === undefined) throw o ?? new Error(`case ${name} did not run`);
      return o;
    };
    const recoveryCheck = (o: Outcome) => migrationRecovery.check({ history: o.history.all() } as CheckContext);

    it("up crashed before its bookkeeping write (its first migration committed, not recorded) ends like a clean run", async () => {
      const o = outcome("upBeforeRecord");
      expect([o.faulted.result.exitCode, o.faulted.result.stdout]).to.deep.equal([137, `migrating core on database '${o.db}'...\n`]);
      expect(verifyRecovery(o.value)).to.deep.equal([]);
      const result = await recoveryCheck(o);
      expect([result.status, result.message]).to.deep.equal(["pass",
        "1 killed migration command(s) re-run: same schema_meta and data fingerprint as a clean run, and up/finish again are no-ops"]);
    });

    it("up crashed halfway (1 of its 2 migrations recorded) ends like a clean run", () => {
      const { faulted, value } = outcome("upHalfway");
      expect(faulted.result.exitCode).to.equal(137);
      expect(faulted.result.stdout).to.match(/core migrated up to: 014_230_to_270 \(executed\)\n$/);
      expect(verifyRecovery(value)).to.deep.equal([]);
    });

    it("up SIGKILLed (its container, by the harness) after its first migration ends like a clean run", () => {
      const { faulted, value } = outcome("upSigkill");
      expect(faulted.result.exitCode).to.equal(137);
      expect(faulted.result.stdout).to.match(/core migrated up to: 014_230_to_270 \(executed\)\n$/);
      expect(verifyRecovery(value)).to.deep.equal([]);
    });

    it("up failing on --db-timeout (4 s) while the datastore does not answer (paused) ends like a clean run once re-run", () => {
      const { faulted, value } = outcome("upClientTimeout");
      expect(faulted.result.exitCode).to.equal(1);
      expect(faulted.result.stderr.split("\n")[0], faulted.result.stderr).to.equal(
        "Error: [PostgreSQL error] cluster_mutex callback threw an error: [PostgreSQL error] failed to run migration '015_270_to_280' up: timeout");
      expect(verifyRecovery(value)).to.deep.equal([]);
    });

    it("finish crashed halfway (5 of 10 teardowns recorded) ends like a clean run; any aborted re-run was followed by list", () => {
      const { faulted, value } = outcome("finishHalfway");
      expect(faulted.result.exitCode).to.equal(137);
      expect(faulted.result.stdout.match(/migrated up to/g)).to.have.length(5);
      value.reruns.forEach((r, i) => { if (r.aborted) expect(value.reruns[i + 1]?.command).to.equal("list"); });
      expect(verifyRecovery(value)).to.deep.equal([]);
    });

    // proves: migration-recovery
    it("Kong's trap: an up killed after recording a pending migration cannot be re-run (`up` refuses until finish), and the check says so", async () => {
      const o = outcome("upHalfwayWithPending");
      const problems = verifyRecovery(o.value);
      expect(problems).to.include("the re-runs of `up` never completed: last exited 1: Error: [PostgreSQL error] cluster_mutex callback threw an error: " +
        "/usr/local/share/lua/5.1/kong/cmd/utils/migrations.lua:67: Database has pending migrations; run 'kong migrations finish'");
      expect(problems.filter((p) => p.startsWith("after the killed `up` was re-run: schema_meta "))).to.not.deep.equal([]);
      expect((await recoveryCheck(o)).status).to.equal("fail");
    });

    // proves: migration-recovery
    it("up-damages-data on the re-run: the fingerprint comparison fails and names the table, row, column and key values", async () => {
      const o = outcome("damagesData");
      const md5 = (s: string): string => createHash("md5").update(s).digest("hex");
      const problems = verifyRecovery(o.value);
      // 2.x keys credentials per workspace, as Kong's schema does: the unique key is (ws_id, key).
      const ws = "00000000-0000-4000-8000-000000000000";
      expect(problems, problems.join("\n")).to.include(`after the killed \`up\` was re-run: keyauth_credentials.ws_id,key: missing ${JSON.stringify([JSON.stringify([ws, "alice-key"])])}, unexpected ${JSON.stringify([JSON.stringify([ws, md5(md5("alice-key"))])])}`);
      expect(problems, problems.join("\n")).to.include("after the killed `up` was re-run: keyauth_credentials: row \"00000000-0000-4000-8000-000000000005\" differs in key");
      const result = await recoveryCheck(o);
      expect(result.status).to.equal("fail");
      expect(result.message).to.match(/^\d+ difference\(s\) from a clean run: up crash@before-record: after the killed `up` was re-run: /);
    });
  });

  describe("the lock", () => {
    before(async () => { await lockWork; });


    it("two concurrent `up` runs: exactly one migrates, the other prints the aborted line, and list + fingerprint show the clean run's state", () => {
      expect(concurrent.runs.map((r) => r.line).sort()).to.deep.equal(["5 lines, last: 2 executed", NOT_LEADER_LINE]);
      expect(concurrent.listExitCode).to.equal(0);
      expect(verifyConcurrentUps(concurrent, fx.upOnly.reference.afterUp)).to.deep.equal([]);
    });

    it("a stale lock and `up --lock-timeout 2`: fails with Kong's timeout error within the bound, nothing migrated", () => {
      const r = staleLock.timedOut;
      expect([r.exitCode, r.stdout, r.stderr.split("\n")[0]]).to.deep.equal([1, "", "Error: [PostgreSQL error] timeout"]);
      expect(staleLock.stateAfter).to.equal("new-migrations");
    });

    it("a stale lock and a command that would wait longer than the harness allows: one-line error, container killed, never hangs", () => {
      expect(staleLock.bound).to.be.instanceOf(MigrationTimeoutError);
      expect((staleLock.bound as Error).message).to.equal(
        `\`kong migrations up --lock-timeout 60\` with ${staleLock.image} did not exit within 3000ms (--lock-timeout 60s): the container was killed`);
    });

    it("a lock that expires while `up` waits: `up` prints the aborted line without migrating (exit 0); only the state check shows it", () => {
      expect([expiring.aborted.exitCode, expiring.aborted.stdout]).to.deep.equal([0, `${NOT_LEADER_LINE}\n`]);
      expect(expiring.stateAfter).to.equal("new-migrations");
    });

    it("an expired lock is taken over: `up` migrates at once and releases the lock", () => {
      expect([expiring.takenOver.exitCode, expiring.takenOver.stdout.trim().split("\n").at(-1)]).to.deep.equal([0, "2 executed"]);
      expect(expiring.locksAfter).to.deep.equal([]);
    });
  });
});
