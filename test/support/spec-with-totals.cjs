// Mocha's spec reporter plus the wall time of each top-level suite (hooks included: a scenario run
// in a `before` counts where mocha's per-test times do not), the slowest suites at the end, and one
// plain closing line, "N passed, N failed", that CI readers count.
const Mocha = require("mocha");

const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END } = Mocha.Runner.constants;
const SLOWEST_SHOWN = 12;

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const began = new Map();
    const took = [];
    const topLevel = (suite) => suite.parent !== undefined && suite.parent.root;
    runner.on(EVENT_SUITE_BEGIN, (suite) => { if (topLevel(suite)) began.set(suite, Date.now()); });
    runner.on(EVENT_SUITE_END, (suite) => {
      if (!began.has(suite)) return;
      const seconds = (Date.now() - began.get(suite)) / 1000;
      took.push({ title: suite.title, seconds });
      if (seconds >= 1) process.stdout.write(`    (suite: ${seconds.toFixed(0)} s)\n`);
    });
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      if (took.length > SLOWEST_SHOWN) {
        const total = took.reduce((sum, t) => sum + t.seconds, 0);
        process.stdout.write(`\nslowest suites (of ${took.length}, ${(total / 60).toFixed(1)} min in all):\n`);
        for (const t of [...took].sort((a, b) => b.seconds - a.seconds).slice(0, SLOWEST_SHOWN)) {
          process.stdout.write(`  ${t.seconds.toFixed(0).padStart(5)} s  ${t.title}\n`);
        }
      }
      process.stdout.write(`\n${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ""}\n`);
    });
  }
}

module.exports = SpecWithTotals;
