// `kong version` (kong/cmd/version.lua): `X.Y.Z`; `-a` adds the OpenResty lines.
import type { Args } from "./args.ts";
import { kongEnv } from "./context.ts";
import type { Log } from "./log.ts";

export function versionCommand(args: Args, env: NodeJS.ProcessEnv, log: Log): number {
  const { cat } = kongEnv(env);
  if (!args.all) { log.info(cat.version); return 0; }
  log.info(`Kong: ${cat.version}\nngx_lua: stand-in\nnginx: stand-in\nLua: LuaJIT 2.1.0-beta3 (stand-in: Node.js ${process.versions.node})`);
  return 0;
}
