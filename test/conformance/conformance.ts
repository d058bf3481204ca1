// One recording, replayed and compared: what the test and the developer command both run.
import { compareTranscripts, type Comparison } from "./compare.ts";
import { loadRecording, type Recording, type RecordingSource } from "./recordings.ts";
import { replay, type ReplayOptions, type Transcript } from "./replay.ts";

export interface FileResult {
  readonly recording: Recording;
  readonly transcript: Transcript;
  readonly comparison: Comparison;
}

export async function replayAndCompare(source: RecordingSource, o: ReplayOptions = {}): Promise<FileResult> {
  const recording = loadRecording(source);
  const transcript = await replay(recording, o);
  return { recording, transcript, comparison: compareTranscripts(recording.file, recording.steps, transcript.steps) };
}

/** "METHOD path" of every Admin API step (and "walk path"), by `file\0step`, for grouping by endpoint. */
export function adminEndpoints(recording: Recording): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of recording.steps) {
    if (s.kind === "admin") out.set(`${recording.file}\0${s.name}`, `${String(s.method)} ${String(s.path)}`);
    if (s.kind === "admin-walk") out.set(`${recording.file}\0${s.name}`, `walk ${String(s.path)}`);
  }
  return out;
}

/** Runs tasks at most `limit` at a time, each started once and its promise kept (started early, awaited later). */
export class TaskPool<T> {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly tasks = new Map<string, Promise<T>>();

  constructor(private readonly limit: number) {}

  run(key: string, task: () => Promise<T>): Promise<T> {
    let p = this.tasks.get(key);
    if (!p) {
      p = this.slot().then(async () => {
        try { return await task(); } finally { this.release(); }
      });
      // Awaited later by its test; an unobserved rejection must not crash the process meanwhile.
      p.catch(() => undefined);
      this.tasks.set(key, p);
    }
    return p;
  }

  private slot(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(() => { this.running++; resolve(); }));
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.();
  }
}
