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

/** Runs every registered disposer once, newest first; failures are collected, never thrown. */
export async function runCleanup(): Promise<string[]> {
  const errors: string[] = [];
  while (stack.length) {
    const { name, dispose } = stack.pop()!;
    try {
      await dispose();
    } catch (err) {
      errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return errors;
}
