// The plugins the stand-in runs on its proxy path, the one list everything else derives from: the
// Admin API accepts only these (any other name is answered as Kong answers a plugin that is not
// enabled), GET / lists them in `plugins.available_on_server`, and the lab labels each stand-in image
// with them (org.kong-upgrade-harness.standin-plugins) so that the harness can refuse a configuration
// naming others before a run starts. Kept free of imports: the image recipe bundles this file alone.

/** Every modelled plugin, by name (all are bundled with Kong 1.5.1 to 3.0.1). */
export const MODELLED_PLUGINS: readonly string[] = [
  "acl", "basic-auth", "correlation-id", "cors", "ip-restriction", "jwt", "key-auth", "proxy-cache",
  "rate-limiting", "request-size-limiting", "request-transformer", "response-transformer",
];

/**
 * The plugins a node accepts and runs: those of its `plugins` setting that the stand-in models. Any
 * other name is answered as Kong answers a plugin that is not enabled.
 */
export function acceptedPlugins(enabled: readonly string[]): string[] {
  return enabled.filter((p) => MODELLED_PLUGINS.includes(p));
}

/** The image label that carries the list, comma-separated. */
export const STANDIN_PLUGINS_LABEL = "org.kong-upgrade-harness.standin-plugins";

/** The label's value: the modelled plugins, sorted, comma-separated. */
export function standinPluginsLabelValue(): string {
  return [...MODELLED_PLUGINS].sort().join(",");
}

// `node modelled-plugins.mjs` (the recipe runs a bundle of this file) prints the label's value.
const entry = process.argv[1] ?? "";
if (/modelled-plugins\.(mjs|js|ts)$/.test(entry)) process.stdout.write(`${standinPluginsLabelValue()}\n`);
