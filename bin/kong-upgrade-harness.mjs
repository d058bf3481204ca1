#!/usr/bin/env node
// Runs the TypeScript CLI directly: users never run a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../harness/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
