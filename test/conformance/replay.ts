// Replays one recording against the stand-in: the same commands with the old/new binary, the same
// datastore reads, the same requests to the node of each phase, in the recording's order, and
// writes down what happened in the recording's own shape (normalized as the recordings are).
import { randomUUID } from "node:crypto";
import type { StartedKongContainer } from "../../harness/kong/kong-container.ts";
import type { MigrationCommand } from "../../harness/kong/migrations.ts";
import { ReplayEnvironment, RECORDED_PG_HOST } from "./environment.ts";
import { exchange, jsonRequest, type Exchange } from "./http.ts";
import { keptHeaders, normalize, sortedByCanonical, summarizeRoot } from "./normalize.ts";
import { NOT_RUN, type Recording, type Step } from "./recordings.ts";
import { ReplayServices } from "./replay-services.ts";
import { checkReplayable, OLD_NODE_PROBES, PHASE_ROLE, ruleFor, splitPhase, UnknownStepError, type AnswerRef, type Phase } from "./script.ts";

/** The stand-in image of a Kong version (a template with `{version}`, to replay against other images). */
export const DEFAULT_IMAGE_TEMPLATE = "kong-standin:{version}";

export interface Transcript {
  readonly file: string;
  readonly images: { readonly old: string; readonly new: string };
  readonly durationMs: number;
  readonly steps: readonly Step[];
}

export interface ReplayOptions {
  readonly imageTemplate?: string;
  /** Progress lines (one per phase and per CLI step). */
  readonly log?: (line: string) => void;
  /** The network, echo upstream and datastore servers the replays of a run share; without them the replay starts and stops its own. */
  readonly services?: ReplayServices;
}

const LOG_LINES = 40;
const ROUTER_READY_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const firstLines = (text: string, n = LOG_LINES): string => text.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "").slice(0, n).join("\n");

class Replayer {
  private readonly steps: Step[] = [];
  /** The stand-in's answers, by `<phase>:<step>`. */
  private readonly answers = new Map<string, Exchange>();
  private phase?: Phase;
  private node?: StartedKongContainer;
  private nodeStartFailure?: Step;

  constructor(private readonly rec: Recording, private readonly env: ReplayEnvironment, private readonly images: { old: string; new: string }, private readonly log: (l: string) => void) {}

  async run(): Promise<Step[]> {
    for (const step of this.rec.steps) {
      const { phase } = splitPhase(step.name);
      if (phase && phase !== this.phase) await this.enterPhase(phase);
      if (phase && splitPhase(step.name).step === "node-start") {
        this.steps.push(this.nodeStartFailure ?? { kind: "node", name: step.name, image_role: PHASE_ROLE[phase], started: true, status: "true 0" });
        this.nodeStartFailure = undefined;
        continue;
      }
      if (this.nodeStartFailure) {
        this.steps.push(this.nodeStartFailure);
        this.nodeStartFailure = undefined;
      }
      if (phase && !this.node) {
        this.steps.push({ kind: step.kind, name: step.name, [NOT_RUN]: `the ${phase} node did not start` });
        continue;
      }
      if (!phase && this.node) await this.leavePhase();
      this.steps.push(await this.runStep(step));
    }
    if (this.nodeStartFailure) this.steps.push(this.nodeStartFailure);
    await this.leavePhase();
    return this.steps;
  }

  private async enterPhase(phase: Phase): Promise<void> {
    await this.leavePhase();
    this.phase = phase;
    const role = PHASE_ROLE[phase]!;
    this.log(`${this.rec.file}: ${phase} on a ${role} node (${this.images[role]})`);
    const start = await this.env.startNode(this.images[role], `${phase}`);
    if (start.started) {
      this.node = start.node;
      return;
    }
    this.nodeStartFailure = {
      kind: "node", name: `${phase}:node-start`, image_role: role, started: false,
      status: `${start.running} ${start.exitCode}`, logs: firstLines(start.output), ...(start.running ? { error: start.error } : {}),
    };
  }

  private async leavePhase(): Promise<void> {
    if (this.node) await this.env.stopNode(this.node);
    this.node = undefined;
  }

  private async runStep(step: Step): Promise<Step> {
    switch (step.kind) {
      case "cli": return this.cli(step);
      case "db": return this.db(step);
      case "node": return this.oldNodeAfterFinish(step);
      default:
        // A node that stops answering is the stand-in's doing: the step is compared as not run.
        try {
          return await (step.kind === "admin" ? this.admin(step) : step.kind === "admin-walk" ? this.walk(step) : step.kind === "proxy" ? this.proxy(step) : this.burst(step));
        } catch (e) {
          if (e instanceof UnknownStepError) throw e;
          return { kind: step.kind, name: step.name, [NOT_RUN]: `the request failed: ${e instanceof Error ? e.message : String(e)}` };
        }
    }
  }

  private async cli(step: Step): Promise<Step> {
    const command = /^kong migrations (\w+)$/.exec(String(step.command))![1] as MigrationCommand;
    const binary = step.binary as "old" | "new";
    const r = await this.env.cli(this.images[binary], command);
    this.log(`${this.rec.file}: ${step.name} exited ${r.exit}`);
    return { kind: "cli", name: step.name, binary, command: step.command, exit: r.exit, stdout: normalize(r.stdout), stderr: normalize(r.stderr) };
  }

  private async db(step: Step): Promise<Step> {
    if (step.name.startsWith("db:schema_meta:")) return { kind: "db", name: step.name, rows: normalize(await this.env.schemaMeta()) };
    const { statements, schema } = await this.env.schema();
    // Statements are normalized one by one (a UUID default, say), then sorted again as recorded.
    const normalized = schema.split(";\n").map((s) => normalize(s) as string).sort();
    return { kind: "db", name: step.name, statements, schema: normalized.join(";\n") };
  }

  private answerOf(ref: AnswerRef, stepName: string): Exchange {
    const phase = ref.phase ?? this.phase;
    const answer = this.answers.get(`${phase}:${ref.step}`);
    if (!answer) throw new ReplayStepError(stepName, `needs the answer of "${phase}:${ref.step}", which did not run`);
    return answer;
  }

  private idOf(ref: AnswerRef, stepName: string): string {
    const answer = this.answerOf(ref, stepName);
    const id = (answer.body as { id?: unknown } | null)?.id;
    if (typeof id !== "string") throw new ReplayStepError(stepName, `needs the id of "${ref.phase ?? this.phase}:${ref.step}", which answered ${answer.status} without one`);
    return id;
  }

  /** The recorded path and body with their placeholders resolved from the stand-in's own answers. */
  private resolve(step: Step): { path: string; body?: unknown; rawBody?: { text: string; contentType: string } } {
    const rule = ruleFor(this.rec.file, step.name);
    const ids = (rule.pathIds ?? []).map((src) => (src === "fresh-uuid" ? randomUUID() : this.idOf(src, step.name)));
    let path = String(step.path);
    for (const id of ids) path = path.replace("<uuid>", id);
    let body: unknown = step.request;
    if (rule.bodyFrom) body = this.answerOf(rule.bodyFrom, step.name).body;
    else if (rule.serviceId && body && typeof body === "object") {
      body = { ...(body as Record<string, unknown>), service: { id: this.idOf(rule.serviceId, step.name) } };
    }
    const left = /<[a-z0-9_]+>/.exec(`${path} ${rule.bodyFrom ? "" : JSON.stringify(body ?? null)}`);
    if (left) throw new UnknownStepError(`${this.rec.file}: step "${step.name}" keeps the placeholder ${left[0]} after resolution: add a rule for it in test/conformance/script.ts`);
    return { path, body, ...(rule.rawBody ? { rawBody: { ...rule.rawBody } } : {}) };
  }

  private nodeUrl(via: "admin" | "proxy", node = this.node!): string {
    return via === "admin" ? node.getAdminUrl() : node.getProxyUrl();
  }

  private async admin(step: Step): Promise<Step> {
    let resolved: ReturnType<Replayer["resolve"]>;
    try {
      resolved = this.resolve(step);
    } catch (e) {
      if (e instanceof ReplayStepError) return { kind: "admin", name: step.name, [NOT_RUN]: e.reason };
      throw e;
    }
    const method = String(step.method);
    const send = resolved.body !== undefined ? jsonRequest(resolved.body) : undefined;
    const answer = await exchange(this.nodeUrl("admin"), { method, path: resolved.path, ...(send ? { body: send.body, headers: send.headers } : {}) });
    const { step: name } = splitPhase(step.name);
    this.answers.set(`${this.phase}:${name}`, answer);
    const body = name === "GET /" ? summarizeRoot(answer.body, { from: this.env.pgHost, to: RECORDED_PG_HOST }) : answer.body;
    return {
      kind: "admin", name: step.name, method, path: normalize(resolved.path),
      ...(resolved.body !== undefined ? { request: normalize(resolved.body) } : {}),
      status: answer.status, headers: normalize(keptHeaders(answer.headers)), body: sortData(normalize(body)),
    };
  }

  private async walk(step: Step): Promise<Step> {
    const size = Number(step.size);
    const base = String(step.path);
    const pages: unknown[] = [];
    const items: unknown[] = [];
    let offset: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const query = `size=${size}${offset !== undefined ? `&offset=${encodeURIComponent(offset)}` : ""}`;
      const answer = await exchange(this.nodeUrl("admin"), { method: "GET", path: `${base}?${query}` });
      const body = (answer.body && typeof answer.body === "object" ? answer.body : {}) as { data?: unknown; next?: unknown; offset?: unknown };
      const data = Array.isArray(body.data) ? body.data : [];
      pages.push({ status: answer.status, count: data.length, has_offset: "offset" in body, keys: Object.keys(body).sort(), next: normalize(String(body.next)) });
      items.push(...data);
      if (answer.status !== 200 || typeof body.offset !== "string") break;
      offset = body.offset;
    }
    return { kind: "admin-walk", name: step.name, path: base, size, pages, items: sortedByCanonical(items.map((i) => normalize(i))) };
  }

  /** Waits until the phase's router serves a path (any answer but 404), within a bound; a node that never does is compared as it answers. */
  private async routerReady(pathTemplate: string): Promise<void> {
    const path = pathTemplate.replace("{phase}", this.phase!);
    const deadline = Date.now() + ROUTER_READY_MS;
    while (Date.now() < deadline) {
      const r = await exchange(this.nodeUrl("proxy"), { method: "GET", path }).catch(() => undefined);
      if (r && r.status !== 404) return;
      await sleep(250);
    }
  }

  private async proxy(step: Step): Promise<Step> {
    const rule = ruleFor(this.rec.file, step.name);
    if (rule.routerReadyPath) await this.routerReady(rule.routerReadyPath);
    const method = String(step.method);
    const requestHeaders = (step.request_headers ?? {}) as Record<string, string>;
    const answer = await exchange(this.nodeUrl("proxy"), {
      method, path: String(step.path),
      headers: { ...requestHeaders, ...(rule.rawBody ? { "content-type": rule.rawBody.contentType } : {}) },
      ...(rule.rawBody ? { body: rule.rawBody.text } : {}),
    });
    return {
      kind: "proxy", name: step.name, method, path: step.path, ...(step.request_headers ? { request_headers: step.request_headers } : {}),
      status: answer.status, headers: normalize(keptHeaders(answer.headers)), ...answerPart(answer, "upstream"),
    };
  }

  private async burst(step: Step): Promise<Step> {
    const hits = Number(step.hits);
    // A burst is meant to fall within one second of the node's clock: it starts just after a second begins.
    await sleep(1000 - (Date.now() % 1000) + 15);
    const responses: unknown[] = [];
    for (let i = 0; i < hits; i++) {
      const answer = await exchange(this.nodeUrl("proxy"), { method: "GET", path: String(step.path) });
      responses.push({ status: answer.status, headers: normalize(keptHeaders(answer.headers)), ...(isFromUpstream(answer) ? {} : { body: normalize(answer.body) }) });
    }
    return { kind: "proxy-burst", name: step.name, path: step.path, hits, statuses: responses.map((r) => (r as { status: number }).status), responses };
  }

  private async oldNodeAfterFinish(step: Step): Promise<Step> {
    const start = await this.env.startNode(this.images.old, "old-after-finish");
    if (!start.started) {
      return start.running
        ? { kind: "node", name: step.name, exited: false, exit: null, error: start.error }
        : { kind: "node", name: step.name, exited: true, exit: start.exitCode, logs: normalize(firstLines(start.output)) };
    }
    const probes: unknown[] = [];
    for (const p of OLD_NODE_PROBES) {
      const answer = await exchange(this.nodeUrl(p.via, start.node), { method: "GET", path: p.path });
      if (p.via === "admin") {
        probes.push({ what: p.what, status: answer.status });
        continue;
      }
      const fromUpstream = isFromUpstream(answer);
      probes.push({
        what: p.what, status: answer.status, headers: normalize(keptHeaders(answer.headers)),
        ...(fromUpstream ? { upstream_path: (answer.body as { path?: unknown }).path } : { body: normalize(answer.body) }),
      });
    }
    // The access-log lines of the probes are part of the output, as in the recordings.
    await sleep(500);
    const logs = await start.node.logs(1000);
    await this.env.stopNode(start.node);
    return { kind: "node", name: step.name, exited: false, exit: null, probes, logs: normalize(firstLines(logs)) };
  }
}

/** The echo upstream marks its answers; Kong's own answers do not carry the mark. */
function isFromUpstream(answer: Exchange): boolean {
  return answer.headers["x-echo"] === "1";
}

function answerPart(answer: Exchange, key: "upstream"): Record<string, unknown> {
  return isFromUpstream(answer) ? { [key]: normalize(answer.body) } : { body: normalize(answer.body) };
}

/** Admin list answers: Kong orders `data` by primary key (random UUIDs), so the recordings sort it. */
function sortData(body: unknown): unknown {
  if (body && typeof body === "object" && Array.isArray((body as { data?: unknown }).data)) {
    return { ...(body as object), data: sortedByCanonical((body as { data: unknown[] }).data) };
  }
  return body;
}

class ReplayStepError extends Error {
  constructor(readonly step: string, readonly reason: string) {
    super(`${step}: ${reason}`);
  }
}

export function imagesFor(rec: Recording, template = DEFAULT_IMAGE_TEMPLATE): { old: string; new: string } {
  return { old: template.replaceAll("{version}", rec.oldVersion), new: template.replaceAll("{version}", rec.newVersion) };
}

export async function replay(rec: Recording, o: ReplayOptions = {}): Promise<Transcript> {
  checkReplayable(rec);
  const started = Date.now();
  const images = imagesFor(rec, o.imageTemplate ?? process.env.KUH_CONFORMANCE_IMAGE ?? DEFAULT_IMAGE_TEMPLATE);
  const log = o.log ?? (() => undefined);
  log(`${rec.file}: replaying ${rec.steps.length} steps with ${images.old} -> ${images.new} on ${rec.datastore}`);
  const services = o.services ?? new ReplayServices();
  try {
    const env = await ReplayEnvironment.start(rec.datastore, services);
    try {
      const steps = await new Replayer(rec, env, images, log).run();
      return { file: rec.file, images, durationMs: Date.now() - started, steps: steps.map((s) => env.asRecorded(s)) };
    } finally {
      await env.stop();
    }
  } finally {
    if (!o.services) await services.stop();
  }
}
