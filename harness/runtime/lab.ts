// Brings up every lab component in dependency order: decide, then pull or build what is missing,
// and record what was resolved in .lab/state.json for everything that starts containers later.
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMPONENTS, type ComponentPin } from "../../lab/pins.ts";
import { HarnessError } from "../errors.ts";
import { exec } from "./exec.ts";
import { inspectImage, tryPull } from "./docker-images.ts";
import { decideImage } from "./image-decision.ts";
import { LAB_DIR, LAB_STATE_FILE, PROJECT_ROOT, readLabState, type ResolvedComponent } from "./lab-state.ts";
import { nextWorkable } from "./lab-schedule.ts";
import { hashPaths } from "./recipe-hash.ts";

export interface ComponentReport extends ResolvedComponent {
  readonly title: string;
  /** What this run did: nothing, pulled it, built it; or, with --check, what is missing. */
  readonly action: "none" | "pulled" | "built" | "missing";
  readonly seconds: number;
  /** Why it is missing, with --check. */
  readonly why?: string;
}

export class LabBuildError extends HarnessError {
  override readonly code = "KH_ERR_LAB_BUILD";
}

const BIN_DIR = join(LAB_DIR, "bin");
const LOG_DIR = join(LAB_DIR, "logs");
const ROOTFS_DIR = join(LAB_DIR, "rootfs");

/** Components brought up at once; KUH_LAB_CONCURRENCY=1 builds one after the other (easier to read in a log). */
const LAB_CONCURRENCY = Math.max(1, Number(process.env.KUH_LAB_CONCURRENCY ?? 2) || 2);

const pinById = new Map(COMPONENTS.map((c) => [c.id, c]));
const recipeDir = (pin: ComponentPin): string => `lab/recipes/${pin.recipe ?? pin.id}`;
const envName = (id: string): string => id.toUpperCase().replace(/[^A-Z0-9]/g, "_");

export class Lab {
  private readonly hashes = new Map<string, string>();
  private readonly resolved = new Map<string, ComponentReport>();
  private readonly pending = new Map<string, Promise<ComponentReport>>();

  constructor(private readonly log: (line: string) => void, private readonly checkOnly: boolean) {}

  recipeHash(pin: ComponentPin): string {
    const known = this.hashes.get(pin.id);
    if (known) return known;
    const deps = (pin.dependsOn ?? []).map((d) => `${d}=${this.recipeHash(pinById.get(d)!)}`);
    const hash = hashPaths(PROJECT_ROOT, [recipeDir(pin), "lab/recipes/lib.sh", "lab/recipes/go-tool.sh", ...(pin.hashInputs ?? [])], [
      JSON.stringify({ id: pin.id, version: pin.version, refs: [pin.officialRef, pin.localRef], env: pin.recipeEnv }), ...deps,
    ]);
    this.hashes.set(pin.id, hash);
    return hash;
  }

  /**
   * Brings every component up (or, checking, only looks), taken in the order of the pins, two at a
   * time: a build is mostly package downloads or a Go compile, so two overlap well on two cores,
   * and each waits for what it depends on. Reports come back in the order of the pins.
   */
  async run(ids: readonly string[] = COMPONENTS.filter((c) => c.kind !== "rootfs").map((c) => c.id), concurrency = LAB_CONCURRENCY): Promise<ComponentReport[]> {
    mkdirSync(LOG_DIR, { recursive: true });
    const reports: ComponentReport[] = new Array<ComponentReport>(ids.length);
    const waiting = [...ids.keys()];
    const lane = async (): Promise<void> => {
      while (waiting.length > 0) {
        const k = nextWorkable(waiting.map((i) => ids[i]!), { dependsOn: (id) => pinById.get(id)!.dependsOn ?? [], done: (id) => this.resolved.has(id), started: [...this.pending.keys()] });
        const i = waiting.splice(k, 1)[0]!;
        reports[i] = await this.ensure(pinById.get(ids[i]!)!);
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, ids.length)) }, lane));
    // Built components are recorded even when another one failed, so the next run does not build them again.
    if (!this.checkOnly) this.saveState();
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === "rejected");
    if (failed) throw failed.reason;
    return reports;
  }

  /** One resolution per component, however many components wait for it. */
  private ensure(pin: ComponentPin): Promise<ComponentReport> {
    let pending = this.pending.get(pin.id);
    if (!pending) this.pending.set(pin.id, (pending = this.resolve(pin)));
    return pending;
  }

  private async resolve(pin: ComponentPin): Promise<ComponentReport> {
    const started = Date.now();
    const report = pin.kind === "tool" ? await this.ensureTool(pin) : pin.kind === "rootfs" ? await this.ensureRootfs(pin) : await this.ensureImage(pin);
    const full = { ...report, seconds: (Date.now() - started) / 1000 };
    this.resolved.set(pin.id, full);
    return full;
  }

  private base(pin: ComponentPin): Pick<ComponentReport, "id" | "version" | "title" | "recipeHash"> {
    return { id: pin.id, version: pin.version, title: pin.title, recipeHash: this.recipeHash(pin) };
  }

  private async ensureImage(pin: ComponentPin): Promise<Omit<ComponentReport, "seconds">> {
    const hash = this.recipeHash(pin);
    const official = pin.officialRef ? await inspectImage(pin.officialRef) : null;
    const local = pin.localRef ? await inspectImage(pin.localRef) : null;
    const decision = decideImage({ official: official?.labels ?? null, local: local?.labels ?? null, hasOfficialRef: !!pin.officialRef, recipeHash: hash });
    const base = this.base(pin);
    if (decision.action === "use") {
      const ref = decision.which === "official" ? pin.officialRef! : pin.localRef!;
      const labels = (decision.which === "official" ? official : local)!.labels;
      const source = labels["org.kong-upgrade-harness.recipe"] ? "built" : "present";
      return { ...base, ref, source, action: "none" };
    }
    if (this.checkOnly) return { ...base, source: "present", action: "missing", why: decision.why };
    if (decision.action === "pull-else-build") {
      this.log(`${pin.officialRef}: ${decision.why}; trying to pull it...`);
      if (await tryPull(pin.officialRef!)) {
        this.log(`${pin.officialRef}: pulled`);
        return { ...base, ref: pin.officialRef!, source: "pulled", action: "pulled" };
      }
      this.log(`${pin.officialRef}: cannot be pulled here; building it locally`);
    }
    const ref = pin.localRef ?? pin.officialRef!;
    await this.build(pin, { IMAGE: ref }, `${ref}: ${decision.why}`);
    return { ...base, ref, source: "built", action: "built" };
  }

  private async ensureTool(pin: ComponentPin): Promise<Omit<ComponentReport, "seconds">> {
    const binary = join(BIN_DIR, pin.binary!);
    const stamp = `${binary}.recipe`;
    const base = this.base(pin);
    if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === base.recipeHash) {
      return { ...base, binary, source: "built", action: "none" };
    }
    if (this.checkOnly) return { ...base, binary, source: "built", action: "missing" };
    await this.build(pin, {}, `${pin.id} ${pin.version}: ${existsSync(binary) ? "recipe changed" : "not present"}`);
    if (!existsSync(binary)) throw new LabBuildError(`recipe ${recipeDir(pin)} finished but left no ${binary}`);
    writeFileSync(stamp, `${base.recipeHash}\n`);
    return { ...base, binary, source: "built", action: "built" };
  }

  private async ensureRootfs(pin: ComponentPin): Promise<Omit<ComponentReport, "seconds">> {
    const dir = join(ROOTFS_DIR, pin.id);
    const stamp = `${dir}.recipe`;
    const base = this.base(pin);
    if (existsSync(join(dir, "etc/debian_version")) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === base.recipeHash) {
      return { ...base, source: "built", action: "none" };
    }
    if (this.checkOnly) return { ...base, source: "built", action: "missing" };
    await this.build(pin, { BASE_ROOTFS: dir }, `${pin.title}: not present`);
    writeFileSync(stamp, `${base.recipeHash}\n`);
    return { ...base, source: "built", action: "built" };
  }

  private async build(pin: ComponentPin, env: Record<string, string>, why: string): Promise<void> {
    const depEnv: Record<string, string> = {};
    for (const dep of pin.dependsOn ?? []) {
      const d = await this.ensure(pinById.get(dep)!);
      if (d.action === "missing") throw new LabBuildError(`${pin.id} needs ${dep}, which is missing`);
      if (d.ref) depEnv[`${envName(dep)}_IMAGE`] = d.ref;
      if (pinById.get(dep)!.kind === "rootfs") depEnv.BASE_ROOTFS = join(ROOTFS_DIR, dep);
    }
    const logFile = join(LOG_DIR, `${pin.id}.log`);
    this.log(`Building ${why} (recipe ${recipeDir(pin)}, log ${logFile})...`);
    const logStream = createWriteStream(logFile);
    const r = await exec("bash", [`${recipeDir(pin)}/build.sh`], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env, ...pin.recipeEnv, ...depEnv, ...env, VERSION: pin.version, RECIPE_HASH: this.recipeHash(pin),
        COMPONENT: pin.id, LAB_DIR, BIN_DIR, DOCKER_BUILDKIT: "0",
      },
      onOutput: (c) => logStream.write(c),
    });
    await new Promise((res) => logStream.end(res));
    if (r.exitCode !== 0) {
      const tail = `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-15).join("\n");
      throw new LabBuildError(`building ${pin.id} failed with exit code ${r.exitCode} (full log: ${logFile})\n${tail}`, { hint: `fix the recipe and run \`npx kong-upgrade-harness lab\` again` });
    }
    this.log(`Built ${pin.id} ${pin.version} in ${(r.durationMs / 1000).toFixed(1)}s`);
  }

  private saveState(): void {
    const components = { ...readLabState().components };
    for (const r of this.resolved.values()) {
      if (r.action === "missing") continue;
      const { id, version, source, ref, binary, recipeHash } = r;
      components[id] = { id, version, source, ref, binary, recipeHash };
    }
    mkdirSync(LAB_DIR, { recursive: true });
    writeFileSync(LAB_STATE_FILE, `${JSON.stringify({ components }, null, 2)}\n`);
  }
}

export const LAB_LOG_DIR = LOG_DIR;
