export * from "./postgres.ts";
export * from "./types.ts";
export * from "./cassandra.ts";
export * from "./fingerprint.ts";
