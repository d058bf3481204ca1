// Everything a run starts registers how to undo it here, so an interrupted run (SIGINT, SIGTERM, a
// failed step) still writes its report and removes its containers, newest first.
type Disposer = { readonly name: string; readonly dispose: () => Promise<void> };

const stack: Disposer[] = [];

export function onCleanup(name: string, dispose: () => Promise<void>): () => void {
  const entry = { name, dispose };
  stack.push(entry);
  return () => {
    const i = stack.indexOf(entry);
    if (i >= 0) stack.splice(i, 1);
  };
}

/** How many disposers are registered now: `runCleanup(mark)` undoes only what came after. */
export function cleanupMark(): number {
  return stack.length;
}

/**
 * Runs every disposer registered after `mark` (default: all) once, newest first; failures are
 * collected, never thrown. A multi-hop path ends each hop this way and keeps its datastore.
 */
export async function runCleanup(mark = 0): Promise<string[]> {
  const errors: string[] = [];
  while (stack.length > mark) {
    const { name, dispose } = stack.pop()!;
    try {
      await dispose();
    } catch (err) {
      errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return errors;
}
