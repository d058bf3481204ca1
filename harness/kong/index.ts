export * from "./admin-client.ts";
export * from "./cluster.ts";
export * from "./kong-container.ts";
export * from "./kong-wait.ts";
export * from "./migrations.ts";
