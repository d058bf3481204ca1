// Probes generated from a user's configuration: for every route a request that must reach it, and
// where its plugins call for them, requests without and with wrong credentials, one per credential
// kind the consumers hold, an ACL pair, an oversized body, a CORS preflight and an ip-restriction
// probe. Each probe's `expect` is the generator's prediction (plugin-chain.ts); the baseline then
// learns the old cluster's real answer for every probe that does not vary. What the generator
// could not do is said in `notes`, never silently left out.
import type { Probe, ProbePurpose } from "../scenario/seed.ts";
import { PluginScope } from "./applied-plugins.ts";
import { ofKind, type ConfigEntity, type KongConfig } from "./model.ts";
import { PluginChain, payloadLimitBytes, type Outcome, type Presented } from "./plugin-chain.ts";
import { AUTH_PLUGINS, Consumers, PRESENTABLE, isPresentable, presentCredential, wrongCredential, type Presentation, type PresentableKind } from "./probe-credentials.ts";
import { routeFor, routeShape, type ProbeRequest, type RouteShape } from "./route-matcher.ts";
import { chooseRequest } from "./route-request.ts";
import { Notes, preflightOrigin, probeBaseName, tooLargeBody } from "./probe-parts.ts";

export interface ConfigProbesOptions {
  /** Epoch ms, for the `exp` of JWTs whose plugin sets `maximum_expiration` (default Date.now). */
  readonly now?: () => number;
  /** The largest body a too-large probe sends (default 1 MiB): a larger limit is noted, not probed. */
  readonly maxBodyBytes?: number;
}

/** A probe whose route has a per-second limit shared through the datastore (policy `cluster`). */
export interface RateLimitProbe { readonly probe: string; readonly perSecond: number; readonly policy: string }

export interface ConfigProbes {
  readonly probes: Probe[];
  /** Header and query values made of the file's secrets (keys, Basic headers, JWTs): reports redact them. */
  readonly secrets: string[];
  readonly notes: string[];
  readonly rateLimits: RateLimitProbe[];
  /** Probes presenting a valid credential whose predicted answer comes from the upstream. */
  readonly credentialProbes: string[];
}

/** Plugins whose effect on a probe's status the generator predicts. */
const MODELLED = new Set([...Object.keys(AUTH_PLUGINS), "acl", "rate-limiting", "request-size-limiting", "cors", "ip-restriction"]);
/** Plugins that do not decide a probe's status (they change headers or bodies, or log). */
const NEUTRAL = new Set(["correlation-id", "response-transformer", "request-transformer", "proxy-cache", "prometheus", "http-log", "file-log", "tcp-log", "udp-log", "syslog", "loggly", "datadog", "statsd", "zipkin"]);
const RESERVED_NAMES = ["health-check"];

interface Offer { readonly kinds: readonly PresentableKind[]; readonly presentation: Presentation; readonly presented: readonly Presented[]; readonly valid: boolean }
const NONE: Offer = { kinds: [], presentation: { headers: {}, query: {}, secrets: [] }, presented: [], valid: false };

interface ProbeSpec {
  readonly suffix?: string;
  readonly purpose: ProbePurpose;
  readonly offer: Offer;
  readonly credential?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly preflight?: boolean;
}

class Generator {
  readonly out: ConfigProbes = { probes: [], secrets: [], notes: [], rateLimits: [], credentialProbes: [] };
  readonly notes = new Notes();
  readonly scope: PluginScope;
  readonly consumers: Consumers;
  readonly shapes: RouteShape[];
  readonly nowS: number;
  readonly maxBodyBytes: number;
  private readonly names = new Set(RESERVED_NAMES);
  private readonly secrets = new Set<string>();

  constructor(readonly config: KongConfig, o: ConfigProbesOptions) {
    this.scope = new PluginScope(config);
    this.consumers = new Consumers(config);
    this.shapes = ofKind(config, "routes").map((r, i) => routeShape(r, config.format, i));
    this.nowS = Math.floor((o.now?.() ?? Date.now()) / 1000);
    this.maxBodyBytes = o.maxBodyBytes ?? 1048576;
  }

  uniqueName(base: string): string {
    let name = base;
    for (let n = 2; this.names.has(name); n++) name = `${base}-${n}`;
    this.names.add(name);
    return name;
  }

  add(p: Probe, offer: Offer, outcome: Outcome): void {
    this.out.probes.push(p);
    if (!offer.valid) return;
    for (const s of offer.presentation.secrets) this.secrets.add(s);
    for (const v of Object.values(offer.presentation.query)) this.secrets.add(encodeURIComponent(v));
    if (outcome.fromUpstream) this.out.credentialProbes.push(p.name);
  }

  finish(): ConfigProbes {
    this.out.secrets.push(...[...this.secrets].filter((s) => s !== ""));
    this.out.notes.push(...this.notes.list());
    return this.out;
  }
}

class RouteProber {
  private readonly chain: PluginChain;
  private readonly base: string;
  private readonly request: ProbeRequest;
  private readonly offersByKind = new Map<PresentableKind, Offer[]>();

  constructor(private readonly g: Generator, private readonly route: ConfigEntity, private readonly shape: RouteShape) {
    this.chain = new PluginChain(g.scope, g.consumers, route);
    this.base = probeBaseName(route);
    const chosen = chooseRequest(shape, g.shapes);
    this.request = chosen.request;
    for (const p of chosen.problems) this.problem(p);
  }

  private problem(text: string): void { this.g.notes.add(`route ${this.base}: ${text}`); }

  private emit(spec: ProbeSpec): { name: string; outcome: Outcome } {
    const method = spec.method ?? this.request.method;
    const outcome = this.chain.run({ method, presented: spec.offer.presented, ...(spec.body !== undefined ? { bodyBytes: Buffer.byteLength(spec.body) } : {}), ...(spec.preflight ? { preflight: true } : {}) });
    const name = this.g.uniqueName(spec.suffix ? `${this.base}:${spec.suffix}` : this.base);
    const query = [...Object.entries(spec.offer.presentation.query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`), `probe=${name}`].join("&");
    const headers = { ...(this.request.host !== undefined ? { host: this.request.host } : {}), ...this.request.headers, ...spec.offer.presentation.headers, ...spec.headers, "x-kuh-probe": name };
    const credential = spec.credential ?? (spec.offer.kinds.length > 0 ? spec.offer.kinds.join("+") : this.chain.auth.length > 0 ? "none" : undefined);
    const probe: Probe = {
      name, method, path: `${this.request.path}?${query}`, headers, expect: outcome.rateLimit ? [outcome.status, 429] : [outcome.status], fromUpstream: outcome.fromUpstream,
      ...(spec.body !== undefined ? { body: spec.body } : {}), route: this.route.key, ...(credential !== undefined ? { credential } : {}), purpose: spec.purpose,
      ...(outcome.rateLimit ? { varies: true } : {}),
    };
    this.g.add(probe, spec.offer, outcome);
    return { name, outcome };
  }

  run(): void {
    this.noteUnmodelled();
    if (!this.shape.protocols.includes("http")) return this.nonHttp();
    const reach = this.reach();
    if (this.chain.auth.length > 0) this.refusals();
    this.credentials();
    this.acl();
    this.tooLarge(reach);
    this.corsPreflight(reach);
    this.ipRestriction(reach);
  }

  private noteUnmodelled(): void {
    for (const name of this.g.scope.namesOn(this.route)) {
      if (!MODELLED.has(name) && !NEUTRAL.has(name)) this.g.notes.add(`plugin ${name} is not modelled by the probe generator, the baseline learns what it does to the probes`, this.base);
    }
    if (this.shape.addressed) this.problem("it matches by SNI, client or destination address: a plain HTTP probe may not reach it; the baseline records what it gets");
  }

  /** A route that does not take plain HTTP: one probe, whatever the old cluster answers (Kong 2.x: 426 for an https-only route). */
  private nonHttp(): void {
    this.problem(`it accepts ${this.shape.protocols.join(", ")} only: its one probe goes over plain HTTP and the baseline records what it gets`);
    const name = this.g.uniqueName(this.base);
    const redirect = typeof this.route.fields.https_redirect_status_code === "number" ? this.route.fields.https_redirect_status_code : 426;
    const headers = { ...(this.request.host !== undefined ? { host: this.request.host } : {}), ...this.request.headers, "x-kuh-probe": name };
    this.g.out.probes.push({ name, method: this.request.method, path: `${this.request.path}?probe=${name}`, headers, expect: [redirect], fromUpstream: false, route: this.route.key, purpose: "reach" });
  }

  private outcome(offer: Offer, method = this.request.method): Outcome {
    return this.chain.run({ method, presented: offer.presented });
  }

  /** Consumers' offers of `kind`, with the credentials of every other authentication plugin that does not fall back to `anonymous` (Kong then needs them all). */
  private offers(kind: PresentableKind): Offer[] {
    const cached = this.offersByKind.get(kind);
    if (cached) return cached;
    const required = this.chain.auth.filter((p) => p.name !== kind && !(typeof p.config.anonymous === "string" && p.config.anonymous !== "")).map((p) => p.name);
    const unpresentable = required.filter((k) => !isPresentable(k));
    let offers: Offer[] = [];
    if (unpresentable.length > 0) this.problem(`a ${kind} credential alone does not pass: ${unpresentable.join(", ")} also needs one, which a probe cannot present`);
    else offers = this.g.consumers.keys.flatMap((c) => this.offerOf(c, [kind, ...(required as PresentableKind[])]) ?? []);
    this.offersByKind.set(kind, offers);
    return offers;
  }

  private offerOf(consumer: string, kinds: readonly PresentableKind[]): Offer | undefined {
    const headers: Record<string, string> = {}, query: Record<string, string> = {}, secrets: string[] = [];
    for (const kind of kinds) {
      const config = this.chain.auth.find((p) => p.name === kind)!.config;
      const built = this.g.consumers.credentials(consumer, kind).map((c) => presentCredential(kind, c, config, this.g.nowS));
      for (const b of built) if ("skip" in b) this.g.notes.add(`${b.skip}: no probe presents it`);
      const usable = built.find((b): b is Presentation => !("skip" in b));
      if (!usable) return undefined;
      if (Object.keys(usable.headers).some((h) => h in headers)) {
        this.problem(`${kinds.join(" and ")} credentials would share one header: no probe presents them together`);
        return undefined;
      }
      Object.assign(headers, usable.headers);
      Object.assign(query, usable.query);
      secrets.push(...usable.secrets);
    }
    return { kinds, presentation: { headers, query, secrets }, presented: kinds.map((kind) => ({ kind, consumer })), valid: true };
  }

  /** The first offer the route's plugins let through to the upstream, else the first one. */
  private choose(offers: readonly Offer[]): Offer | undefined {
    return offers.find((o) => this.outcome(o).fromUpstream) ?? offers[0];
  }

  private presentableKinds(): PresentableKind[] {
    return PRESENTABLE.filter((k) => this.chain.auth.some((p) => p.name === k));
  }

  private reach(): { name: string; offer: Offer; outcome: Outcome } {
    let offer = NONE;
    for (const kind of this.presentableKinds()) {
      const chosen = this.choose(this.offers(kind));
      if (chosen) { offer = chosen; break; }
    }
    if (this.chain.auth.length > 0 && offer === NONE) this.problem("no consumer of the file holds a credential a probe can present for it: its reach probe goes without one");
    const { name, outcome } = this.emit({ purpose: "reach", offer });
    if (!outcome.fromUpstream) this.problem(`its reach probe is predicted ${outcome.status} from ${outcome.by}, not an answer from the upstream`);
    if (outcome.rateLimit) this.rateLimit(name, outcome.rateLimit.config);
    return { name, offer, outcome };
  }

  private rateLimit(probe: string, config: Readonly<Record<string, unknown>>): void {
    const policy = String(config.policy ?? "cluster");
    if (typeof config.second !== "number") {
      this.g.notes.add("rate limits without a `second` limit make their probes vary (200 or 429) but are not in rateLimits, which holds per-second limits only", this.base);
    } else if (policy !== "cluster") {
      this.g.notes.add(`rate limits with policy ${policy} are not shared through the datastore: their probes vary (200 or 429) but are not in rateLimits`, this.base);
    } else {
      this.g.out.rateLimits.push({ probe, perSecond: config.second, policy });
    }
  }

  /** Without credentials, and with a credential of the first kind no consumer holds. */
  private refusals(): void {
    this.emit({ suffix: "no-credentials", purpose: "no-credentials", offer: NONE, credential: "none" });
    const kind = this.presentableKinds()[0];
    if (kind === undefined) {
      this.problem(`its authentication (${this.chain.auth.map((p) => p.name).join(", ")}) takes credentials a probe cannot present: no wrong-credentials or credential probe`);
      return;
    }
    const built = wrongCredential(kind, this.chain.auth.find((p) => p.name === kind)!.config, this.g.nowS);
    if ("skip" in built) return this.problem(`no wrong-credentials probe: ${built.skip}`);
    this.emit({ suffix: "wrong-credentials", purpose: "wrong-credentials", credential: kind, offer: { kinds: [kind], presentation: built, presented: [{ kind, consumer: null }], valid: false } });
  }

  private credentials(): void {
    for (const kind of this.presentableKinds()) {
      const offer = this.choose(this.offers(kind));
      if (offer) this.emit({ suffix: kind, purpose: "credential", offer });
      else this.problem(`no consumer holds a ${kind} credential a probe can present: no ${kind} probe`);
    }
  }

  private acl(): void {
    if (!this.chain.plugin("acl")) return;
    if (this.chain.auth.length === 0) return this.problem("acl applies without an authentication plugin: Kong refuses every request (401)");
    const all = this.presentableKinds().flatMap((k) => this.offers(k));
    const allowed = all.find((o) => this.outcome(o).fromUpstream);
    const denied = all.find((o) => { const r = this.outcome(o); return r.by === "acl" && r.status === 403; });
    if (allowed) this.emit({ suffix: "acl-allowed", purpose: "credential", offer: allowed });
    else this.problem("no consumer of the file passes its acl: no acl-allowed probe");
    if (denied) this.emit({ suffix: "acl-denied", purpose: "acl-denied", offer: denied });
    else this.problem("every consumer with a credential for it passes its acl: no acl-denied probe");
  }

  /** A body one byte over request-size-limiting's limit, with the reach probe's credentials. */
  private tooLarge(reach: { offer: Offer; outcome: Outcome }): void {
    const plugin = this.chain.plugin("request-size-limiting", reach.outcome.consumer);
    if (!plugin) return;
    const limit = payloadLimitBytes(plugin.config);
    if (limit >= this.g.maxBodyBytes) return this.problem(`request-size-limiting allows ${limit} bytes: no too-large probe (the generator sends bodies under ${this.g.maxBodyBytes} bytes)`);
    const methods = ["POST", "PUT", "PATCH", this.request.method].filter((m) => !this.shape.methods || this.shape.methods.includes(m));
    const method = methods.find((m) => routeFor(this.g.shapes, { ...this.request, method: m })?.key === this.route.key) ?? this.request.method;
    this.emit({ suffix: "too-large", purpose: "too-large", offer: reach.offer, method, body: tooLargeBody(limit + 1) });
  }

  private corsPreflight(reach: { offer: Offer }): void {
    const cors = this.chain.plugin("cors");
    if (!cors) return;
    if (!this.shape.addressed && routeFor(this.g.shapes, { ...this.request, method: "OPTIONS" })?.key !== this.route.key) {
      return this.problem(`a CORS preflight (OPTIONS) would not be routed to it${this.shape.methods ? ` (its methods: ${this.shape.methods.join(", ")})` : ""}: no cors-preflight probe`);
    }
    const origin = preflightOrigin(cors.config);
    if (origin.problem) this.problem(origin.problem);
    const offer = cors.config.preflight_continue === true ? reach.offer : NONE;
    this.emit({ suffix: "cors-preflight", purpose: "cors-preflight", offer, method: "OPTIONS", preflight: true, headers: { origin: origin.origin, "access-control-request-method": "GET" } });
  }

  private ipRestriction(reach: { offer: Offer; outcome: Outcome }): void {
    if (!this.chain.plugin("ip-restriction", reach.outcome.consumer)) return;
    this.problem("ip-restriction's answer depends on the address the probes come from: its ip-restriction probe is predicted for an unlisted client and the baseline decides");
    this.emit({ suffix: "ip-restriction", purpose: "ip-restriction", offer: reach.offer });
  }
}

/** Probes for every route of the configuration, with the secrets they carry and what could not be generated. */
export function configProbes(config: KongConfig, o: ConfigProbesOptions = {}): ConfigProbes {
  const g = new Generator(config, o);
  ofKind(config, "routes").forEach((route, i) => new RouteProber(g, route, g.shapes[i]!).run());
  return g.finish();
}

/** How many of the configuration's routes have at least one probe, and which have none. */
export function probeCoverage(config: KongConfig, probes: readonly Probe[]): { routes: number; covered: number; uncovered: string[] } {
  const probed = new Set(probes.map((p) => p.route));
  const routes = ofKind(config, "routes").map((r) => r.key);
  const uncovered = routes.filter((k) => !probed.has(k));
  return { routes: routes.length, covered: routes.length - uncovered.length, uncovered };
}
