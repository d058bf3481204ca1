// `kong-upgrade-harness lab [--check]`: bring up (or only inspect) what the harness runs on.
import { ensureEngine, engineVersion, installHostPackages } from "../../runtime/docker-engine.ts";
import { Lab, LAB_LOG_DIR, type ComponentReport } from "../../runtime/lab.ts";
import { say, table } from "../console.ts";
import { ExitCode } from "../exit-codes.ts";

const SOURCE_WORDS: Record<ComponentReport["source"], string> = { present: "present", pulled: "pulled", built: "built locally" };

function describe(r: ComponentReport, checking: boolean): string {
  if (r.action === "missing") return `MISSING (${r.why ?? "not present"})`;
  if (checking || r.action === "none") return SOURCE_WORDS[r.source];
  return `${SOURCE_WORDS[r.source]} now (${r.seconds.toFixed(1)}s)`;
}

export async function labCommand(opts: { check: boolean }): Promise<ExitCode> {
  const log = say("lab");
  const started = Date.now();
  let engine: string;
  if (opts.check) {
    const v = await engineVersion();
    if (!v) {
      process.stdout.write("Docker engine: MISSING (no engine answers `docker info`; run `npx kong-upgrade-harness lab`)\n");
      return ExitCode.ChecksFailed;
    }
    engine = `${v} (present)`;
  } else {
    log("Starting lab: Docker engine, images and tools the harness needs...");
    const status = await ensureEngine(LAB_LOG_DIR, log);
    await installHostPackages(log);
    engine = `${status.serverVersion} (${status.action})`;
    log(`Docker engine ${engine}`);
  }
  const reports = await new Lab(log, opts.check).run();
  const rows = [["component", "version", "source", "reference"], ["docker engine", engine.split(" ")[0]!, engine.split(" ").slice(1).join(" ").replace(/[()]/g, ""), "-"]];
  for (const r of reports) rows.push([r.id, r.version, describe(r, opts.check), r.ref ?? r.binary ?? "-"]);
  process.stdout.write(`\n${table(rows)}\n\n`);
  const missing = reports.filter((r) => r.action === "missing");
  if (opts.check) {
    process.stdout.write(missing.length ? `${missing.length} component(s) missing: run \`npx kong-upgrade-harness lab\`\n` : "Lab ready.\n");
    return missing.length ? ExitCode.ChecksFailed : ExitCode.Ok;
  }
  log(`Lab ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return ExitCode.Ok;
}
