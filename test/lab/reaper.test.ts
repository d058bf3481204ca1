// The reaper removes what a crashed process left behind: a child starts a container and a network
// through testcontainers, is SIGKILLed, and everything of its session disappears shortly after.
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { expect } from "chai";
import { labImage, PROJECT_ROOT } from "../../harness/runtime/lab-state.ts";

const run = promisify(execFile);

/** Whether docker still knows the object (container, network). */
async function exists(kind: "container" | "network", id: string): Promise<boolean> {
  try {
    await run("docker", [kind, "inspect", "--format", "{{.Id}}", id]);
    return true;
  } catch {
    return false;
  }
}

async function sessionContainers(sessionId: string): Promise<string[]> {
  const { stdout } = await run("docker", ["ps", "-aq", "--no-trunc", "--filter", `label=org.testcontainers.session-id=${sessionId}`]);
  return stdout.split("\n").filter(Boolean);
}

interface Started { containerId: string; networkId: string; sessionId: string }

describe("lab: reaper", function () {
  it("removes the container and network of a process killed with SIGKILL", async function () {
    const reaperImage = labImage("reaper");
    const child = spawn(process.execPath, ["--import", "tsx", "test/lab/fixtures/start-container.ts", labImage("toxiproxy")], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        RYUK_CONTAINER_IMAGE: reaperImage,
        TESTCONTAINERS_RYUK_DISABLED: "false",
        TESTCONTAINERS_RYUK_RECONNECTION_TIMEOUT: "2s",
        TESTCONTAINERS_HOST_OVERRIDE: "localhost",
        // Nobody else may latch onto this short-lived reaper.
        TESTCONTAINERS_RYUK_TEST_LABEL: "true",
      },
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

    let started: Started | undefined;
    try {
      const firstLine = await Promise.race([
        createInterface({ input: child.stdout })[Symbol.asyncIterator]().next(),
        exited.then(() => ({ value: undefined })),
      ]);
      if (typeof firstLine.value !== "string") throw new Error(`fixture exited before starting its container:\n${stderr}`);
      started = JSON.parse(firstLine.value) as Started;
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }

    // A reaper reused from another process would not prune when this child dies.
    const reapers = (await sessionContainers(started.sessionId)).filter((id) => id !== started?.containerId);
    expect(reapers, "the child's own reaper container").to.have.length(1);
    const reaperId = reapers[0] ?? "";
    expect(await exists("container", started.containerId)).to.equal(true);
    expect(await exists("network", started.networkId)).to.equal(true);

    child.kill("SIGKILL");
    await exited;
    const killedAt = Date.now();

    const gone = { container: -1, network: -1, reaper: -1 };
    while (Date.now() - killedAt < 20_000 && Object.values(gone).some((t) => t < 0)) {
      const elapsed = Date.now() - killedAt;
      if (gone.container < 0 && !(await exists("container", started.containerId))) gone.container = elapsed;
      if (gone.network < 0 && !(await exists("network", started.networkId))) gone.network = elapsed;
      if (gone.reaper < 0 && !(await exists("container", reaperId))) gone.reaper = elapsed;
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`      after SIGKILL: container gone in ${gone.container} ms, network in ${gone.network} ms, reaper in ${gone.reaper} ms`);
    expect(gone.container, "container removed within 20 s").to.be.at.least(0);
    expect(gone.network, "network removed within 20 s").to.be.at.least(0);
    expect(gone.reaper, "reaper exited (auto-removed) within 20 s").to.be.at.least(0);
    expect(await sessionContainers(started.sessionId)).to.deep.equal([]);
  });
});
