export * from "./postgres.ts";
export * from "./types.ts";
