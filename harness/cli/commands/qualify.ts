// `kong-upgrade-harness qualify --target V --from A,B --datastore postgres,cassandra`: plans each
// (source, datastore) pair with harness/plan, runs the pairs it accepts one at a time, and writes
// one qualification report (index.html, qualification.json, junit.xml, summary.md).
import { appendFileSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pgAuthProblem } from "../../datastore/postgres-auth.ts";
import { EnvironmentError, InvalidConfigError } from "../../errors.ts";
import { childProcessRunner, headline, planMatrix, qualify, type Datastore } from "../../qualify/index.ts";
import { engineVersion } from "../../runtime/docker-engine.ts";
import { PROJECT_ROOT } from "../../runtime/lab-state.ts";
import { SystemClock } from "../../traffic/index.ts";
import { readAcceptFile } from "../../report/accept-file.ts";
import { say } from "../console.ts";
import { ExitCode, exitCodeOfVerdict } from "../exit-codes.ts";
import { requireImages } from "../image-preflight.ts";
import { keyRotationFlag, readinessFlag } from "./run.ts";

export const QUALIFY_HELP = `  qualify --target V --from A,B,... [--datastore postgres[,cassandra]] [--out DIR]
          [--image-template "kong:{version}" | --standin] [--rate N] [--hold-ms MS] [--steps 0,...,100]
          [--old-nodes N] [--new-nodes N] [--no-revoke-credentials] [--pg-auth auto|md5|scram-sha-256]
          [--readiness status|baseline] [--accept FILE]
                   plan each source version on each datastore (as \`plan\` does), run the one-hop
                   pairs one at a time with the plan's scenario, report the pairs the plan refuses
                   or that need several hops (\`run --path\`) as not run, and write index.html,
                   qualification.json, junit.xml and summary.md into DIR; exit 0 when every pair
                   passes, 1 when one fails (or, none failing or unjudged, one is not run), 2 when
                   the plan runs none, 3 when none fails and a run was not judged (a step failed
                   outside the upgrade: its verdict "error"); every pair's run rotates keys unless --no-revoke-credentials;
                   --accept FILE: every pair's run judged with these acknowledged findings (an entry
                   that matched no pair is reported stale)`;

const list = (v: string | undefined): string[] => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** `run` flags passed on to every pair's run. */
const PASS_THROUGH = ["rate", "hold-ms", "steps", "old-nodes", "new-nodes", "pg-auth", "readiness"] as const;

/** The `run` flags every pair's run gets: the pass-through values, and key rotation when a flag chose it (else the run's default: on). */
export function pairRunArgs(values: Readonly<Record<string, string | boolean | undefined>>): string[] {
  const rotate = keyRotationFlag(values);
  return [...PASS_THROUGH.flatMap((k) => (values[k] === undefined ? [] : [`--${k}`, String(values[k])])),
    ...(rotate === undefined ? [] : [rotate ? "--revoke-credentials" : "--no-revoke-credentials"]),
    // Absolute: each pair's run is a child process with the project as its working directory.
    ...(values.accept === undefined ? [] : ["--accept", resolve(String(values.accept))])];
}

export async function qualifyCommand(args: readonly string[]): Promise<ExitCode> {
  const { values } = parseArgs({ args: [...args], strict: true, options: {
    target: { type: "string" }, from: { type: "string" }, datastore: { type: "string", default: "postgres" }, out: { type: "string" },
    "image-template": { type: "string" }, standin: { type: "boolean", default: false },
    rate: { type: "string" }, "hold-ms": { type: "string" }, steps: { type: "string" }, "old-nodes": { type: "string" }, "new-nodes": { type: "string" }, "pg-auth": { type: "string" },
    readiness: { type: "string" }, "revoke-credentials": { type: "boolean" }, "no-revoke-credentials": { type: "boolean" }, accept: { type: "string" },
  } });
  readinessFlag(values);
  if (values.accept !== undefined) readAcceptFile(values.accept);
  const pgAuth = values["pg-auth"];
  if (pgAuth !== undefined && pgAuthProblem(pgAuth)) throw new InvalidConfigError([pgAuthProblem(pgAuth)!], { hint: "md5 lets every Kong version log in; scram-sha-256 needs Kong 2.7.0+" });
  // Both name the images: one would silently win over the other.
  if (values.standin && values["image-template"] !== undefined) {
    throw new InvalidConfigError([`--standin and --image-template both name the images: give one (--standin is --image-template "kong-standin:{version}")`]);
  }
  const imageTemplate = values["image-template"] ?? (values.standin ? "kong-standin:{version}" : "kong:{version}");
  const request = { target: values.target ?? "", from: list(values.from), datastores: list(values.datastore) as Datastore[], imageTemplate };
  // The plan and the images of the pairs it runs, checked before the report folder exists.
  const planned = planMatrix(request).runs;
  if (planned.length > 0) {
    if (!(await engineVersion())) throw new EnvironmentError("no Docker engine answers `docker info`", { hint: "run `npx kong-upgrade-harness lab` to install and start one" });
    requireImages(planned.flatMap((p) => [p.oldImage, p.newImage]));
  }
  const outDir = resolve(values.out ?? resolve(PROJECT_ROOT, "reports/qualify", `${values.target ?? "target"}-${new Date().toISOString().replace(/[:.]/g, "-")}`));
  const runArgs = pairRunArgs(values);
  const { GITHUB_STEP_SUMMARY: summary, ...childEnv } = process.env;
  const log = say("qualify");
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const result = await qualify(request, {
      outDir, clock: new SystemClock(), signal: controller.signal, onEvent: log,
      runPair: childProcessRunner({ runArgs, env: childEnv }),
    });
    const q = result.qualification;
    if (summary) appendFileSync(summary, readFileSync(result.files.markdown, "utf8"));
    log(`${headline(q)}; report: ${result.files.html}`);
    if (controller.signal.aborted) return ExitCode.Interrupted;
    if (q.planned === 0) {
      process.stderr.write(`error: the plan runs none of the ${q.requested} requested pairs (see ${result.files.html}) (change --from, --target or --datastore; see \`kong-upgrade-harness plan\`)\n`);
      return ExitCode.InvalidInput;
    }
    // A failed upgrade outweighs a pair not judged (3), which outweighs a pair refused or not run (1).
    return exitCodeOfVerdict(q.verdict);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
