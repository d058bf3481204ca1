// Every image and tool the lab provides, with its pinned version. The one place versions live:
// recipes read them from the environment the lab gives them, never from their own constants.

export type ComponentKind = "rootfs" | "image" | "tool";

export interface ComponentPin {
  /** Stable id, also the recipe folder under lab/recipes/. */
  readonly id: string;
  readonly kind: ComponentKind;
  /** Upstream version of the software inside. */
  readonly version: string;
  /** What it is, for `lab --check`. */
  readonly title: string;
  /**
   * The official image reference. When present locally or pullable it is used as is. A local build
   * takes this name only when it is the real software built from its real source.
   */
  readonly officialRef?: string;
  /** Name of the local build when it must not carry the official name (not the same software). */
  readonly localRef?: string;
  /** Components whose output this recipe consumes; their recipe hashes feed this one's. */
  readonly dependsOn?: readonly string[];
  /** For tools: the file the recipe leaves in .lab/bin. */
  readonly binary?: string;
  /** Extra environment handed to the recipe. */
  readonly recipeEnv?: Readonly<Record<string, string>>;
  /** Recipe folder under lab/recipes/ when it is not the id (one recipe, several versions). */
  readonly recipe?: string;
  /** Project paths (files or folders) whose content also feeds the recipe hash. */
  readonly hashInputs?: readonly string[];
}

export const DEBIAN_SUITE = "bookworm";

/** Kong versions the project ships a stand-in image for (`kong-standin:<version>`). */
export const STANDIN_VERSIONS = [
  "1.5.1", "2.0.5", "2.1.4", "2.2.2", "2.3.3", "2.4.1", "2.5.1", "2.6.0", "2.7.2", "2.8.5", "3.0.1",
] as const;

export const COMPONENTS: readonly ComponentPin[] = [
  {
    id: "base",
    kind: "rootfs",
    version: `debian-${DEBIAN_SUITE}-minbase`,
    title: "Debian base root filesystem (debootstrap)",
    recipeEnv: { DEBIAN_SUITE },
  },
  {
    id: "postgres",
    kind: "image",
    version: "15",
    title: "PostgreSQL 15 (Debian's postgresql-15, official image contract)",
    officialRef: "postgres:15",
    dependsOn: ["base"],
  },
  {
    id: "cassandra",
    kind: "image",
    version: "5.0.9",
    title: "Apache Cassandra 5.0 (Maven Central, Java 17)",
    officialRef: "cassandra:5.0",
    dependsOn: ["base"],
  },
  {
    id: "toxiproxy",
    kind: "image",
    version: "2.12.0",
    title: "Toxiproxy (built from its Go module)",
    officialRef: "ghcr.io/shopify/toxiproxy:2.12.0",
  },
  {
    id: "haproxy",
    kind: "image",
    version: "2.6.12",
    title: "HAProxy 2.6 (Debian's haproxy package), the scenarios' load balancer",
    localRef: "kong-upgrade-harness/haproxy:2.6.12",
    dependsOn: ["base"],
  },
  {
    id: "reaper",
    kind: "image",
    version: "1.0.0",
    title: "Container reaper (Ryuk protocol, the project's own)",
    officialRef: "testcontainers/ryuk:0.14.0",
    localRef: "kong-upgrade-harness/reaper:1.0.0",
  },
  {
    id: "node-base",
    kind: "image",
    version: process.versions.node,
    title: "Node.js runtime base for the Kong stand-in",
    localRef: `kong-upgrade-harness/node-base:${process.versions.node}`,
    dependsOn: ["base"],
  },
  {
    id: "vegeta",
    kind: "tool",
    version: "12.12.0",
    title: "Vegeta HTTP load generator (built from its Go module)",
    binary: "vegeta",
  },
  {
    id: "actionlint",
    kind: "tool",
    version: "1.7.12",
    title: "actionlint, the GitHub Actions workflow linter (built from its Go module)",
    binary: "actionlint",
  },
  ...STANDIN_VERSIONS.map((version): ComponentPin => ({
    id: `kong-standin-${version}`,
    kind: "image",
    version,
    title: `Kong stand-in ${version} (the project's behavioural model, not Kong)`,
    localRef: `kong-standin:${version}`,
    recipe: "kong-standin",
    dependsOn: ["node-base"],
    hashInputs: ["standin/src", "package-lock.json"],
  })),
];
