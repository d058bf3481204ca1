#!/usr/bin/env node
// Runs the TypeScript CLI directly: users never run a build step.
import { register } from "tsx/esm/api";

register();
// Before anything loads testcontainers, which reads its settings at import time.
const { configureTestcontainers } = await import("../harness/runtime/testcontainers-env.ts");
configureTestcontainers();
const { main } = await import("../harness/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
