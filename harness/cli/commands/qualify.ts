// `kong-upgrade-harness qualify --target V --from A,B --datastore postgres,cassandra`: plans each
// (source, datastore) pair with harness/plan, runs the pairs it accepts one at a time, and writes
// one qualification report (index.html, qualification.json, junit.xml, summary.md).
import { appendFileSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pgAuthProblem } from "../../datastore/postgres-auth.ts";
import { EnvironmentError, InvalidConfigError } from "../../errors.ts";
import {
  childProcessRunner, expectedSeconds, headline, parseShard, parseShardCount, planMatrix, qualify, readTimings, runSettings, shardMatrix, shardPlan, splitPlan,
  type Datastore, type MatrixPlan, type QualifyRequest, type ShardSpec,
} from "../../qualify/index.ts";
import { engineVersion } from "../../runtime/docker-engine.ts";
import { PROJECT_ROOT } from "../../runtime/lab-state.ts";
import { SystemClock } from "../../traffic/index.ts";
import { readAcceptFile } from "../../report/accept-file.ts";
import { say } from "../console.ts";
import { ExitCode, exitCodeOfVerdict } from "../exit-codes.ts";
import { requireImages } from "../image-preflight.ts";
import { configFlag, keyRotationFlag, readinessFlag } from "./run.ts";
import { readLoadProfile } from "../../load/profile-file.ts";
import { QUALIFY_MERGE_HELP, qualifyMergeCommand } from "./qualify-merge.ts";

export const QUALIFY_HELP = `  qualify --target V --from A,B,... [--datastore postgres[,cassandra]] [--out DIR]
          [--image-template "kong:{version}" | --standin] [--rate N] [--hold-ms MS] [--steps 0,...,100]
          [--old-nodes N] [--new-nodes N] [--no-revoke-credentials] [--pg-auth auto|md5|scram-sha-256]
          [--readiness status|baseline] [--accept FILE] [--config FILE] [--load PROFILE] [--patch-user-entities]
          [--scenarios NAME,...] [--shard K/N [--timings FILE] | --list-shards N [--timings FILE]]
                   plan each source version on each datastore (as \`plan\` does), run the one-hop
                   pairs one at a time with the plan's scenario, report the pairs the plan refuses
                   or that need several hops (\`run --path\`) as not run, and write index.html,
                   qualification.json, junit.xml and summary.md into DIR; exit 0 when every pair
                   passes, 1 when one fails (or, none failing or unjudged, one is not run), 2 when
                   the plan runs none, 3 when none fails and a run was not judged (a step failed
                   outside the upgrade: its verdict "error"); every pair's run rotates keys unless --no-revoke-credentials;
                   --config, --load, --patch-user-entities: as for \`run\`, every pair's run seeded with
                   your configuration and driven by your load profile
                   --accept FILE: every pair's run judged with these acknowledged findings (an entry
                   that matched no pair is reported stale)
                   --scenarios postgres-blue-green,chaos-during-shift,...: each pair runs each of these
                   that carries out its plan's procedure (or an alternative the plan lists) on its
                   datastore; a pair none applies to is reported as not run
                   --shard K/N: run the K-th of N parts of the plan, split by expected run time (the
                   plan's estimate, or each run's time in --timings FILE, an earlier qualification.json);
                   DIR then holds that shard, for \`qualify merge\`; --list-shards N prints the N
                   shards as a GitHub Actions matrix (JSON) and runs nothing
${QUALIFY_MERGE_HELP}`;

const list = (v: string | undefined): string[] => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** `run` flags passed on to every pair's run. */
const PASS_THROUGH = ["rate", "hold-ms", "steps", "old-nodes", "new-nodes", "pg-auth", "readiness"] as const;
/** `run` flags naming files, passed on as absolute paths: each pair's run is a child process with the project as its working directory. */
const FILE_PASS_THROUGH = ["accept", "config", "load"] as const;

/** The `run` flags every pair's run gets: the pass-through values, and key rotation when a flag chose it (else the run's default: on). */
export function pairRunArgs(values: Readonly<Record<string, string | boolean | undefined>>): string[] {
  const rotate = keyRotationFlag(values);
  return [...PASS_THROUGH.flatMap((k) => (values[k] === undefined ? [] : [`--${k}`, String(values[k])])),
    ...(rotate === undefined ? [] : [rotate ? "--revoke-credentials" : "--no-revoke-credentials"]),
    ...FILE_PASS_THROUGH.flatMap((k) => (values[k] === undefined ? [] : [`--${k}`, resolve(String(values[k]))])),
    ...(values["patch-user-entities"] === true ? ["--patch-user-entities"] : [])];
}

/** The split's measure: each run's expected seconds, from --timings or the plan with the runs' hold and steps. */
function expectedOf(plan: MatrixPlan, values: Readonly<Record<string, string | boolean | undefined>>): Map<string, number> {
  const hold = Number(values["hold-ms"]);
  const steps = typeof values.steps === "string" ? values.steps.split(",").length : undefined;
  return expectedSeconds(plan.runs, { ...(Number.isFinite(hold) && hold > 0 ? { holdMs: hold } : {}), ...(steps ? { steps } : {}) },
    typeof values.timings === "string" ? readTimings(values.timings) : new Map());
}

export async function qualifyCommand(args: readonly string[]): Promise<ExitCode> {
  if (args[0] === "merge") return qualifyMergeCommand(args.slice(1));
  const { values } = parseArgs({ args: [...args], strict: true, options: {
    target: { type: "string" }, from: { type: "string" }, datastore: { type: "string", default: "postgres" }, out: { type: "string" },
    "image-template": { type: "string" }, standin: { type: "boolean", default: false },
    rate: { type: "string" }, "hold-ms": { type: "string" }, steps: { type: "string" }, "old-nodes": { type: "string" }, "new-nodes": { type: "string" }, "pg-auth": { type: "string" },
    readiness: { type: "string" }, "revoke-credentials": { type: "boolean" }, "no-revoke-credentials": { type: "boolean" }, accept: { type: "string" },
    config: { type: "string" }, load: { type: "string" }, "patch-user-entities": { type: "boolean" },
    scenarios: { type: "string" }, shard: { type: "string" }, timings: { type: "string" }, "list-shards": { type: "string" },
  } });
  configFlag(values);
  if (values.load !== undefined) await readLoadProfile(values.load);
  readinessFlag(values);
  if (values.accept !== undefined) readAcceptFile(values.accept);
  const pgAuth = values["pg-auth"];
  if (pgAuth !== undefined && pgAuthProblem(pgAuth)) throw new InvalidConfigError([pgAuthProblem(pgAuth)!], { hint: "md5 lets every Kong version log in; scram-sha-256 needs Kong 2.7.0+" });
  // Both name the images: one would silently win over the other.
  if (values.standin && values["image-template"] !== undefined) {
    throw new InvalidConfigError([`--standin and --image-template both name the images: give one (--standin is --image-template "kong-standin:{version}")`]);
  }
  const imageTemplate = values["image-template"] ?? (values.standin ? "kong-standin:{version}" : "kong:{version}");
  const request: QualifyRequest = { target: values.target ?? "", from: list(values.from), datastores: list(values.datastore) as Datastore[], imageTemplate,
    ...(values.scenarios !== undefined ? { scenarios: list(values.scenarios) } : {}) };
  if (values.shard !== undefined && values["list-shards"] !== undefined) throw new InvalidConfigError(["--shard runs one shard and --list-shards lists them: give one"]);
  if (values.timings !== undefined && values.shard === undefined && values["list-shards"] === undefined) throw new InvalidConfigError(["--timings balances shards: give it with --shard K/N or --list-shards N"]);
  const shard: ShardSpec | undefined = values.shard !== undefined ? parseShard(values.shard) : undefined;
  const listShards = values["list-shards"] !== undefined ? parseShardCount(values["list-shards"]) : undefined;
  // The plan and the images of the pairs it runs, checked before the report folder exists.
  const whole = planMatrix(request);
  if (listShards !== undefined) {
    // More runners than runs would idle: one shard per run at most.
    const count = Math.min(listShards, Math.max(1, whole.runs.length));
    if (count < listShards) process.stderr.write(`note: the plan has ${whole.runs.length} runs: ${count} shards, not ${listShards}\n`);
    process.stdout.write(`${JSON.stringify(shardMatrix(splitPlan(whole, count, expectedOf(whole, values))))}\n`);
    return ExitCode.Ok;
  }
  const expected = shard ? expectedOf(whole, values) : undefined;
  const planned = shard ? shardPlan(whole, splitPlan(whole, shard.count, expected!), shard.index).runs : whole.runs;
  if (planned.length > 0) {
    if (!(await engineVersion())) throw new EnvironmentError("no Docker engine answers `docker info`", { hint: "run `npx kong-upgrade-harness lab` to install and start one" });
    requireImages(planned.flatMap((p) => [p.oldImage, p.newImage]));
  }
  const outDir = resolve(values.out ?? resolve(PROJECT_ROOT, "reports/qualify", `${values.target ?? "target"}-${new Date().toISOString().replace(/[:.]/g, "-")}${shard ? `-shard-${shard.index}-of-${shard.count}` : ""}`));
  const runArgs = pairRunArgs(values);
  const settings = runSettings(runArgs, FILE_PASS_THROUGH.map((k) => `--${k}`));
  const { GITHUB_STEP_SUMMARY: summary, ...childEnv } = process.env;
  const log = say("qualify");
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const result = await qualify(request, {
      outDir, clock: new SystemClock(), signal: controller.signal, onEvent: log, runSettings: settings,
      runPair: childProcessRunner({ runArgs, env: childEnv }),
      ...(shard ? { shard: { ...shard, expectedSeconds: expected! } } : {}),
    });
    const q = result.qualification;
    if (summary) appendFileSync(summary, readFileSync(result.files.markdown, "utf8"));
    log(`${headline(q)}; report: ${result.files.html}`);
    if (controller.signal.aborted) return ExitCode.Interrupted;
    if (whole.runs.length === 0) {
      process.stderr.write(`error: the plan runs none of the ${whole.order.length} requested pairs (see ${result.files.html}) (change --from, --target or --datastore; see \`kong-upgrade-harness plan\`)\n`);
      return ExitCode.InvalidInput;
    }
    // A failed upgrade outweighs a pair not judged (3), which outweighs a pair refused or not run (1).
    return exitCodeOfVerdict(q.verdict);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
