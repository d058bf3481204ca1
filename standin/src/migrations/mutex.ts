// DB:cluster_mutex (kong/db/init.lua): take the `migrations` row in `locks`; when another node
// holds it either give up at once (no_wait: bootstrap, finish, reset) or poll with backoff
// 0.1 s ×3 up to 2 s until the row disappears ("someone else did it": the callback is not run)
// or the TTL runs out (`[PostgreSQL error] timeout`).
import { randomUUID } from "node:crypto";
import type { MigrationStore } from "../db/types.ts";
import { KongCliError, traceback } from "../cli/log.ts";
import { dbErrorPrefix } from "./runner.ts";

export interface MutexOptions {
  readonly ttlS: number;
  readonly noWait?: boolean;
  readonly noCleanup?: boolean;
  readonly strategyName: string;
  readonly sleep?: (ms: number) => Promise<void>;
}

const MAX_STEP_S = 2;
const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Error thrown inside the callback, re-raised the way xpcall + prefix_err present it. */
export class MutexCallbackError extends KongCliError {
  constructor(strategyName: string, inner: string, fn = "up") {
    super(`${dbErrorPrefix(strategyName)} cluster_mutex callback threw an error: ${inner}\n${traceback(fn, "cmd/utils/migrations.lua", 72)}`);
  }
}

/** true: the callback ran; false: another node held the lock (and released it, or no_wait). */
export async function clusterMutex(store: MigrationStore, opts: MutexOptions, cb: () => Promise<void>): Promise<boolean> {
  const owner = randomUUID();
  const sleep = opts.sleep ?? defaultSleep;
  let acquired: boolean;
  try {
    acquired = await store.tryLock(owner, opts.ttlS);
  } catch (e) {
    throw new KongCliError(`${dbErrorPrefix(opts.strategyName)} failed to insert cluster lock: ${(e as Error).message}`);
  }
  if (!acquired) {
    if (opts.noWait) return false;
    let step = 0.1;
    let elapsed = 0;
    while (elapsed < opts.ttlS) {
      await sleep(step * 1000);
      elapsed += step;
      if (elapsed >= opts.ttlS) break;
      if (!(await store.lockHeld())) return false;
      step = Math.min(step * 3, MAX_STEP_S);
    }
    throw new KongCliError(`${dbErrorPrefix(opts.strategyName)} timeout`);
  }
  try {
    await cb();
  } catch (e) {
    await store.unlock(owner).catch(() => undefined);
    if (e instanceof MutexCallbackError || !(e instanceof Error)) throw e;
    throw new MutexCallbackError(opts.strategyName, e.message);
  }
  if (!opts.noCleanup) await store.unlock(owner);
  return true;
}
