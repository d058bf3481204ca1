// Every modelled plugin's handler and schema, by name. The names are exactly
// catalogue/modelled-plugins.ts's list (a unit test holds them to it).
import { aclPlugin, aclSchema } from "./acl.ts";
import { basicAuthPlugin, basicAuthSchema } from "./basic-auth.ts";
import type { PluginHandler } from "./context.ts";
import { correlationIdPlugin, correlationIdSchema } from "./correlation-id.ts";
import { corsPlugin, corsSchema } from "./cors.ts";
import { ipRestrictionPlugin, ipRestrictionSchema } from "./ip-restriction.ts";
import { jwtPlugin, jwtSchema } from "./jwt.ts";
import { keyAuthPlugin, keyAuthSchema } from "./key-auth.ts";
import type { PluginSchema } from "./plugin-schema.ts";
import { proxyCachePlugin, proxyCacheSchema } from "./proxy-cache.ts";
import { rateLimitingPlugin, rateLimitingSchema } from "./rate-limiting.ts";
import { requestSizeLimitingPlugin, requestSizeSchema } from "./request-size-limiting.ts";
import { requestTransformerPlugin, requestTransformerSchema } from "./request-transformer.ts";
import { responseTransformerPlugin, responseTransformerSchema } from "./response-transformer.ts";

const MODELS: ReadonlyArray<readonly [PluginHandler, PluginSchema]> = [
  [aclPlugin, aclSchema], [basicAuthPlugin, basicAuthSchema], [correlationIdPlugin, correlationIdSchema], [corsPlugin, corsSchema],
  [ipRestrictionPlugin, ipRestrictionSchema], [jwtPlugin, jwtSchema], [keyAuthPlugin, keyAuthSchema], [proxyCachePlugin, proxyCacheSchema],
  [rateLimitingPlugin, rateLimitingSchema], [requestSizeLimitingPlugin, requestSizeSchema], [requestTransformerPlugin, requestTransformerSchema],
  [responseTransformerPlugin, responseTransformerSchema],
];

export const PLUGIN_HANDLERS: readonly PluginHandler[] = MODELS.map(([h]) => h);

export const PLUGIN_SCHEMAS: ReadonlyMap<string, PluginSchema> = new Map(MODELS.map(([h, s]) => [h.name, s]));

/** handler.lua PRIORITY of a modelled plugin at a version (GET / shows it from 3.0). */
export function pluginPriority(name: string, version: string): number | undefined {
  return PLUGIN_HANDLERS.find((h) => h.name === name)?.priority(version);
}
