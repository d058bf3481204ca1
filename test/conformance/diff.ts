// Developer command: replays recordings against the stand-in and writes every difference, listed in
// accepted-differences.yaml or not, as JSON, with a summary by step kind and field.
//   node --import tsx test/conformance/diff.ts [file-or-pair ...] [--out PATH] [--out-dir DIR]
//     [--markdown PATH] [--transcripts DIR] [--concurrency N] [--image TEMPLATE] [--accepted PATH]
// A pair ("2.5.1-2.6.0") selects its recordings on every datastore; no argument selects them all.
import { configureTestcontainers } from "../../harness/runtime/testcontainers-env.ts";

// Before anything loads testcontainers, which reads its settings at import time.
configureTestcontainers();
const { diffCommand } = await import("./diff-command.ts");
process.exitCode = await diffCommand(process.argv.slice(2));
