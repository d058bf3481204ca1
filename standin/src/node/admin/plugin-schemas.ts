// Config schemas of the modelled plugins per Kong version (each plugin module declares its own,
// plugins/config-schema.ts validates): unknown fields, types, defaults, `required`, validators,
// shorthands, typedefs.no_consumer and the entity checks, with Kong's messages. A stored config
// reads back in this version's shape.
import { atLeast } from "../../catalogue/entities.ts";
import type { Row } from "../../db/types.ts";
import { filledRecord, validateRecord, type ErrorTable } from "../plugins/config-schema.ts";
import { PLUGIN_SCHEMAS } from "../plugins/registry.ts";
import type { FieldErrors } from "./errors.ts";

type Config = Record<string, unknown>;

/**
 * A stored config as this version reads it: fields the version's schema lacks are dropped, missing
 * ones take their defaults (Kong's process_auto_fields in the select context), so a row written by
 * another version reads in this version's shape.
 */
export function configOnRead(version: string, name: string, config: unknown): unknown {
  const schema = PLUGIN_SCHEMAS.get(name);
  if (!schema || !config || typeof config !== "object" || Array.isArray(config)) return config;
  return filledRecord(schema.fields, config as Config, version, true);
}

export function pluginConfig(version: string, name: string, given: Config, row: Row): { config: Config } | { errors: FieldErrors } {
  const schema = PLUGIN_SCHEMAS.get(name);
  if (!schema) return { config: given };
  const top: FieldErrors = {};
  const v = validateRecord(schema.fields, given, version, schema.shorthands);
  let cfgErrors: ErrorTable = v.errors ?? {};
  const noConsumer = schema.noConsumerSince !== undefined && atLeast(version, schema.noConsumerSince);
  if (noConsumer && row.consumer_id != null) top.consumer = "value must be null";
  if (schema.check) {
    const checked = schema.check(v.errors ? filledRecord(schema.fields, given, version, false) : v.value, version);
    if (checked?.entity && checked.entity.length > 0) top["@entity"] = checked.entity;
    if (checked?.config) cfgErrors = { ...checked.config, ...cfgErrors };
  }
  if (Object.keys(cfgErrors).length > 0) top.config = cfgErrors;
  return Object.keys(top).length > 0 || v.errors ? { errors: top } : { config: v.value };
}
