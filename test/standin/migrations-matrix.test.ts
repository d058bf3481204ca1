// `kong migrations` across every adjacent stand-in version pair (and two long jumps) on a real
// Postgres: bootstrap with the old binary, up with the new, list with both, finish, list again.
// Expected outputs and exit codes follow kong-reference.md sections 1.5, 3.3 and 3.4.
import { expect } from "chai";
import { runKong, SharedPostgres, type KongResult } from "../support/standin.ts";

/** `subsystem name state` per migration `up` runs, in the order the new binary runs them. */
interface Pair { readonly from: string; readonly to: string; readonly up: readonly string[] }

const BOOTSTRAP_TOTALS: Readonly<Record<string, number>> = {
  "1.5.1": 35, "2.0.5": 24, "2.1.4": 38, "2.2.2": 40, "2.3.3": 41, "2.4.1": 41, "2.5.1": 41, "2.6.0": 41, "2.7.2": 42, "2.8.5": 43, "3.0.1": 48,
};

const FROM_15_TO_26_TAIL = [
  "acl 003_200_to_210 pending", "acl 004_212_to_213 pending", "basic-auth 003_200_to_210 pending", "bot-detection 001_200_to_210 pending",
  "hmac-auth 003_200_to_210 pending", "ip-restriction 001_200_to_210 pending", "jwt 003_200_to_210 pending", "key-auth 003_200_to_210 pending",
  "oauth2 004_200_to_210 pending", "oauth2 005_210_to_211 executed", "rate-limiting 004_200_to_210 executed", "session 001_add_ttl_index executed",
];

const PAIRS: readonly Pair[] = [
  { from: "1.5.1", to: "2.0.5", up: ["core 008_150_to_200 pending", "acme 000_base_acme executed"] },
  {
    from: "2.0.5", to: "2.1.4", up: [
      "core 009_200_to_210 pending", "core 010_210_to_211 executed", "core 011_212_to_213 executed", "jwt 003_200_to_210 pending",
      "acl 003_200_to_210 pending", "acl 004_212_to_213 pending", "oauth2 004_200_to_210 pending", "oauth2 005_210_to_211 executed",
      "key-auth 003_200_to_210 pending", "hmac-auth 003_200_to_210 pending", "basic-auth 003_200_to_210 pending",
      "ip-restriction 001_200_to_210 pending", "rate-limiting 004_200_to_210 executed", "bot-detection 001_200_to_210 pending",
    ],
  },
  { from: "2.1.4", to: "2.2.2", up: ["core 012_213_to_220 pending", "session 001_add_ttl_index executed"] },
  { from: "2.2.2", to: "2.3.3", up: ["core 013_220_to_230 executed"] },
  { from: "2.3.3", to: "2.4.1", up: [] },
  { from: "2.4.1", to: "2.5.1", up: [] },
  { from: "2.5.1", to: "2.6.0", up: [] },
  { from: "2.6.0", to: "2.7.2", up: ["core 014_230_to_270 executed"] },
  { from: "2.7.2", to: "2.8.5", up: ["core 015_270_to_280 executed"] },
  {
    from: "2.8.5", to: "3.0.1", up: [
      "core 016_280_to_300 pending", "acme 001_280_to_300 executed", "http-log 001_280_to_300 pending",
      "post-function 001_280_to_300 pending", "pre-function 001_280_to_300 pending",
    ],
  },
  {
    from: "1.5.1", to: "2.6.0", up: [
      "core 008_150_to_200 pending", "core 009_200_to_210 pending", "core 010_210_to_211 executed", "core 011_212_to_213 executed",
      "core 012_213_to_220 pending", "core 013_220_to_230 executed", ...FROM_15_TO_26_TAIL.slice(0, 2), "acme 000_base_acme executed", ...FROM_15_TO_26_TAIL.slice(2),
    ],
  },
  {
    from: "2.0.5", to: "2.6.0", up: [
      "core 009_200_to_210 pending", "core 010_210_to_211 executed", "core 011_212_to_213 executed",
      "core 012_213_to_220 pending", "core 013_220_to_230 executed", ...FROM_15_TO_26_TAIL,
    ],
  },
];

const plural = (n: number): string => `${n} migration${n > 1 ? "s" : ""} processed`;

/** Kong's run_migrations output for a list of `subsystem name state` entries. */
function runLines(entries: readonly string[], db: string, state?: "executed"): string[] {
  const lines: string[] = [];
  let last = "";
  for (const e of entries) {
    const [sub, name, st] = e.split(" ");
    if (sub !== last) lines.push(`migrating ${sub} on database '${db}'...`);
    last = sub!;
    lines.push(`${sub} migrated up to: ${name} (${state ?? st})`);
  }
  const pending = state ? 0 : entries.filter((e) => e.endsWith("pending")).length;
  lines.push(plural(entries.length));
  if (entries.length - pending > 0) lines.push(`${entries.length - pending} executed`);
  if (pending > 0) lines.push(`${pending} pending`);
  return lines;
}

/** Groups entries by subsystem, keeping first-seen order (the order `list` and finish use). */
function grouped(entries: readonly string[]): string[] {
  const order: string[] = [];
  const by = new Map<string, string[]>();
  for (const e of entries) {
    const [sub, name] = e.split(" ");
    if (!by.has(sub!)) { by.set(sub!, []); order.push(sub!); }
    by.get(sub!)!.push(name!);
  }
  return order.flatMap((s) => by.get(s)!.map((n) => `${s} ${n}`));
}

const ok = (r: KongResult, code = 0): KongResult => {
  expect(r.exitCode, `exit code\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(code);
  return r;
};

describe("kong migrations across version pairs (stand-in, Postgres)", function () {
  this.timeout(120_000);
  let pgs: SharedPostgres;
  before(async () => { pgs = await SharedPostgres.start(); });
  after(async () => { await pgs?.stop(); });

  for (const pair of PAIRS) {
    it(`${pair.from} → ${pair.to}: bootstrap, up, list, finish, list`, async () => {
      const env = await pgs.freshDatabase(`m_${pair.from}_${pair.to}`);
      const db = env.KONG_PG_DATABASE!;
      const total = BOOTSTRAP_TOTALS[pair.from]!;
      const boot = ok(await runKong(pair.from, ["migrations", "bootstrap"], env));
      expect(boot.stdout.split("\n").slice(-4)).to.deep.equal([`${total} migrations processed`, `${total} executed`, "Database is up-to-date", ""]);
      expect(boot.stdout.startsWith(`Bootstrapping database...\nmigrating core on database '${db}'...\n`)).to.equal(true);

      const pending = pair.up.filter((e) => e.endsWith("pending"));
      const up = ok(await runKong(pair.to, ["migrations", "up"], env));
      const expectedUp = pair.up.length === 0 ? ["Database is already up-to-date"]
        : [...runLines(pair.up, db), ...(pending.length > 0 ? ["", "Database has pending migrations; run 'kong migrations finish' when ready"] : [])];
      expect(up.stdout).to.equal(`${expectedUp.join("\n")}\n`);
      expect(up.stderr).to.equal("");

      const [listNew, listOld] = await Promise.all([runKong(pair.to, ["migrations", "list"], env), runKong(pair.from, ["migrations", "list"], env)]);
      ok(listNew, pending.length > 0 ? 4 : 0);
      if (pending.length > 0) {
        expect(listNew.stdout).to.contain("\nPending migrations:\n");
        expect(listNew.stdout.endsWith("\n\nRun 'kong migrations finish' when ready\n")).to.equal(true);
      }
      // The old binary never sees the new version's migrations (reference 0.4).
      ok(listOld, 0);
      expect(listOld.stdout).to.match(/^Executed migrations:\n/);
      expect(listOld.stdout).not.to.contain("Pending");

      const fin = ok(await runKong(pair.to, ["migrations", "finish"], env));
      const finLines = pending.length > 0 ? [...runLines(grouped(pending), db, "executed"), "No pending migrations to finish"] : ["No pending migrations to finish"];
      expect(fin.stdout).to.equal(`${finLines.join("\n")}\n`);

      const [again, againOld] = await Promise.all([runKong(pair.to, ["migrations", "list"], env), runKong(pair.from, ["migrations", "list"], env)]);
      ok(again, 0);
      expect(again.stdout).to.match(/^Executed migrations:\n {17}core: 000_base, /);
      ok(againOld, 0);
    });
  }
});
