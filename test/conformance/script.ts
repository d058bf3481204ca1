// The `public` request script of the recordings: how each step's normalized placeholders become
// real values again when the stand-in replays it. One rule per step name (without its `pN:` phase
// prefix); the method, path template, request body and headers come from the recording itself.
// A recording with a step this table does not know fails, naming the step: a new script needs its
// rules written here first.

import type { Recording } from "./recordings.ts";

export type Phase = `p${number}`;

/** Which image serves each phase (README of the recordings, "Order of a file's steps"). */
export const PHASE_ROLE: Readonly<Record<string, "old" | "new">> = { p1: "old", p2: "new", p3: "new" };

/** An earlier answer of the stand-in: the step (without phase) and the phase it ran in (default: this one). */
export interface AnswerRef { readonly step: string; readonly phase?: Phase }

export type IdSource = AnswerRef | "fresh-uuid";

export interface StepRule {
  /** Values for the `<uuid>`s of the path, in order: the `id` of an earlier answer, or a random UUID. */
  readonly pathIds?: readonly IdSource[];
  /** `service.id` of the request body: the `id` of an earlier answer. */
  readonly serviceId?: AnswerRef;
  /** The whole request body: the body of an earlier answer (a PATCH "with its GET body"). */
  readonly bodyFrom?: AnswerRef;
  /** A request body the recording does not keep (only what the upstream saw of it). */
  readonly rawBody?: { readonly text: string; readonly contentType: string };
  /** Proxy steps: wait, before this step, until the phase's router serves this path (not 404). */
  readonly routerReadyPath?: string;
}

const id = (step: string, phase?: Phase): AnswerRef => (phase ? { step, phase } : { step });
const SERVICE = id("POST service");
const NONE: StepRule = {};

/** Reads of an entity made in this phase, and the PATCH that sends back what the read answered. */
function readAndPatch(get: string, patch: string, created: string, extra: Partial<StepRule> = {}): Record<string, StepRule> {
  return { [get]: { pathIds: [id(created)], ...extra }, [patch]: { pathIds: [id(created)], bodyFrom: id(get), ...extra } };
}

function carried(from: Phase): Record<string, StepRule> {
  return {
    [`carry ${from} GET service`]: NONE,
    [`carry ${from} GET route`]: NONE,
    [`carry ${from} GET consumer`]: NONE,
    [`carry ${from} GET key-auth`]: { pathIds: [id("POST key-auth explicit key", from)] },
    [`carry ${from} GET plugin rl-cluster`]: { pathIds: [id("POST plugin rate-limiting cluster", from)] },
    [`carry ${from} key-auth header apikey`]: NONE,
    [`carry ${from} key-auth no key`]: NONE,
    [`carry ${from} rate-limiting local single hit`]: NONE,
  };
}

export const PUBLIC_SCRIPT: Readonly<Record<string, StepRule>> = {
  "GET /": NONE,
  "GET /status": NONE,
  "POST service": NONE,
  "POST route pub": { serviceId: SERVICE },
  "POST route nostrip": { serviceId: SERVICE },
  "POST route host": { serviceId: SERVICE },
  "POST route key": { serviceId: SERVICE },
  "POST route rlc": { serviceId: SERVICE },
  "POST route rll": { serviceId: SERVICE },
  "POST consumer username": NONE,
  "POST consumer custom_id only": NONE,
  "POST consumer to delete": NONE,
  "POST key-auth explicit key": NONE,
  "POST key-auth generated key": NONE,
  "POST plugin key-auth on route": NONE,
  "POST plugin rate-limiting cluster": NONE,
  "POST plugin rate-limiting local": NONE,
  ...readAndPatch("GET service", "PATCH service with its GET body", "POST service"),
  ...readAndPatch("GET route pub", "PATCH route pub with its GET body", "POST route pub"),
  ...readAndPatch("GET route nostrip", "PATCH route nostrip with its GET body", "POST route nostrip"),
  ...readAndPatch("GET route host", "PATCH route host with its GET body", "POST route host"),
  ...readAndPatch("GET route key", "PATCH route key with its GET body", "POST route key"),
  ...readAndPatch("GET route rlc", "PATCH route rlc with its GET body", "POST route rlc"),
  ...readAndPatch("GET route rll", "PATCH route rll with its GET body", "POST route rll"),
  ...readAndPatch("GET consumer alice", "PATCH consumer alice with its GET body", "POST consumer username"),
  ...readAndPatch("GET consumer bob", "PATCH consumer bob with its GET body", "POST consumer custom_id only"),
  ...readAndPatch("GET key-auth explicit", "PATCH key-auth explicit with its GET body", "POST key-auth explicit key"),
  ...readAndPatch("GET key-auth generated", "PATCH key-auth generated with its GET body", "POST key-auth generated key"),
  ...readAndPatch("GET plugin key-auth", "PATCH plugin key-auth with its GET body", "POST plugin key-auth on route"),
  ...readAndPatch("GET plugin rl cluster", "PATCH plugin rl cluster with its GET body", "POST plugin rate-limiting cluster"),
  ...readAndPatch("GET plugin rl local", "PATCH plugin rl local with its GET body", "POST plugin rate-limiting local"),
  "GET service by name": NONE,
  "GET routes of service": NONE,
  "GET key-auths of consumer": NONE,
  "GET plugins of route": NONE,
  "walk /services": NONE,
  "walk /routes": NONE,
  "walk /consumers": NONE,
  "walk /plugins": NONE,
  "walk /key-auths": NONE,
  "invalid service without host": NONE,
  "invalid route without paths/hosts/methods": { serviceId: SERVICE },
  "duplicate consumer username": NONE,
  "unknown plugin name": NONE,
  "plugin bad config field": { serviceId: SERVICE },
  "plugin bad config type": { serviceId: SERVICE },
  "key-auth for unknown consumer": NONE,
  "malformed JSON": NONE,
  "DELETE consumer": NONE,
  "GET deleted consumer": NONE,
  "DELETE consumer again": NONE,
  "GET unknown service by name": NONE,
  "GET unknown route by uuid": { pathIds: ["fresh-uuid"] },
  "GET unknown endpoint": NONE,
  // The first proxy step of a phase waits for the node's router to serve the phase's routes, as
  // a client does after Admin API writes (3.x rebuilds its router on a timer, eventually).
  "no route": { routerReadyPath: "/{phase}/pub" },
  "public route strip_path=true": NONE,
  "public route exact": NONE,
  "route strip_path=false": NONE,
  "route strip_path=false wrong method": NONE,
  "host route": NONE,
  // The recordings keep only what the upstream saw of this body: 17 bytes of JSON.
  "POST with body": { rawBody: { text: '{"hello":"world"}', contentType: "application/json" } },
  "key-auth no key": NONE,
  "key-auth wrong key": NONE,
  "key-auth header apikey": NONE,
  "key-auth query apikey": NONE,
  "rate-limiting cluster x7": NONE,
  "rate-limiting local x7": NONE,
  ...carried("p1"),
  ...carried("p2"),
};

/** The probes of an old node that stays up after `finish` (the `node` step's `probes`). */
export const OLD_NODE_PROBES: readonly { readonly what: string; readonly via: "admin" | "proxy"; readonly path: string }[] = [
  { what: "GET admin /status", via: "admin", path: "/status" },
  { what: "GET proxy /p1/pub/after-finish", via: "proxy", path: "/p1/pub/after-finish" },
  { what: "GET proxy /p3/pub/after-finish", via: "proxy", path: "/p3/pub/after-finish" },
  { what: "GET proxy /no-such-route-after-finish", via: "proxy", path: "/no-such-route-after-finish" },
];

/** The user agent and accept header the recorder sent (its name shows in the nodes' access logs). */
export const CLIENT_HEADERS: Readonly<Record<string, string>> = { accept: "*/*", "user-agent": "conformance-recorder" };

export const KNOWN_SCRIPTS = ["public"] as const;

export class UnknownStepError extends Error {
  override name = "UnknownStepError";
}

/** A step's name without its phase prefix, and the phase. */
export function splitPhase(name: string): { phase?: Phase; step: string } {
  const m = /^(p\d+):(.*)$/.exec(name);
  return m ? { phase: m[1] as Phase, step: m[2]! } : { step: name };
}

export function ruleFor(file: string, name: string): StepRule {
  const { step } = splitPhase(name);
  const rule = PUBLIC_SCRIPT[step];
  if (!rule) throw new UnknownStepError(`${file}: step "${name}" is not in the public script's table (test/conformance/script.ts): add how its placeholders are resolved`);
  return rule;
}

const MIGRATION_COMMANDS = new Set(["bootstrap", "up", "finish", "list"]);

/** Refuses, before anything starts, a recording whose script or steps the replayer does not know. */
export function checkReplayable(rec: Recording): void {
  if (!(KNOWN_SCRIPTS as readonly string[]).includes(rec.script)) throw new UnknownStepError(`${rec.file}: script "${rec.script}" is not known (known: ${KNOWN_SCRIPTS.join(", ")})`);
  for (const s of rec.steps) {
    const { phase } = splitPhase(s.name);
    if (phase && !(phase in PHASE_ROLE)) throw new UnknownStepError(`${rec.file}: step "${s.name}" is in phase ${phase}, which has no node role`);
    switch (s.kind) {
      case "cli": {
        const m = /^kong migrations (\w+)$/.exec(String(s.command));
        if (!m || !MIGRATION_COMMANDS.has(m[1]!) || (s.binary !== "old" && s.binary !== "new")) {
          throw new UnknownStepError(`${rec.file}: step "${s.name}" runs "${String(s.command)}" with binary ${JSON.stringify(s.binary)}, which the replayer does not know`);
        }
        break;
      }
      case "db":
        if (!/^db:(schema_meta|schema):/.test(s.name)) throw new UnknownStepError(`${rec.file}: db step "${s.name}" reads neither schema_meta nor the schema`);
        break;
      case "node":
        if (s.name !== "old-node-after-finish" && !(phase && splitPhase(s.name).step === "node-start")) throw new UnknownStepError(`${rec.file}: node step "${s.name}" is not known`);
        break;
      default:
        ruleFor(rec.file, s.name);
    }
  }
}
