// What a modelled plugin's schema.lua declares beyond its config fields: whether it can be scoped to
// a consumer (typedefs.no_consumer) and its entity checks. Each plugin module exports one.
import type { ConfigField, ErrorTable, Shorthand } from "./config-schema.ts";

export interface PluginSchema {
  readonly fields: readonly ConfigField[];
  readonly shorthands?: readonly Shorthand[];
  /** `consumer = typedefs.no_consumer` from this version on ("0" = every version). */
  readonly noConsumerSince?: string;
  /** Entity checks on the filled config: `@entity` messages and field errors under `config`. */
  readonly check?: (config: Record<string, unknown>, version: string) => { entity?: string[]; config?: ErrorTable } | undefined;
}
