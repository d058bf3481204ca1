// The chaos area's import surface: the fault schedule (pure), the nemesis that carries it out, the
// injectors, and Toxiproxy between Kong nodes and the datastore.
export { resolveSchedule, describeFault, describeTarget, describeTrigger, describeExpectation, DEFAULT_FOR_MS, NODE_FAULTS, TOXIC_FAULTS } from "./schedule.ts";
export type { FaultKind, FaultParams, FaultSpec, FaultTarget, FaultTrigger, ResolvedFault, ResolvedTarget, ResolvedTrigger, ScheduleContext } from "./schedule.ts";
export { SeededRandom } from "./seeded-random.ts";
export { RunPosition } from "./triggers.ts";
export type { Due } from "./triggers.ts";
export { Nemesis } from "./nemesis.ts";
export type { NemesisOptions } from "./nemesis.ts";
export { injectFault } from "./fault-injector.ts";
export type { ChaosTargets, InjectedFault } from "./fault-injector.ts";
export { DatastoreProxies, TOXIPROXY_ALIAS } from "./datastore-proxies.ts";
export { ToxiproxyContainer, StartedToxiproxyContainer } from "./toxiproxy-container.ts";
