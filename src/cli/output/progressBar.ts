import { formatBytes } from "./formatBytes";
import type { Terminal } from "./terminal";

/** What the run reports as it goes; drawn on a terminal, ignored elsewhere. */
export interface Progress {
  startChunk(position: number, label: string, stagedBytes?: () => Promise<number>): void;
  retried(): void;
  finishChunk(success: boolean): void;
  stop(): void;
}

export const NO_PROGRESS: Progress = {
  startChunk: () => undefined,
  retried: () => undefined,
  finishChunk: () => undefined,
  stop: () => undefined,
};

const BAR_WIDTH = 20;
const REDRAW_MS = 200;
const POLL_MS = 500;

/**
 * A one-line progress bar: chunks done of n, the current chunk, the bytes staged for it so far (read
 * from the blob's uncommitted block list, since the archiver reports no byte progress and the chunk's
 * size is only known to it), in-process retries and elapsed time.
 */
export class ProgressBar implements Progress {
  private done = 0;
  private failed = 0;
  private current = { position: 0, label: "", started: Date.now(), staged: 0, retries: 0 };
  private poll: (() => Promise<number>) | undefined;
  private polling = false;
  private lastPoll = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly terminal: Terminal,
    private readonly total: number,
  ) {
    this.timer = setInterval(() => this.tick(), REDRAW_MS);
    this.timer.unref();
  }

  startChunk(position: number, label: string, stagedBytes?: () => Promise<number>): void {
    this.current = { position, label, started: Date.now(), staged: 0, retries: 0 };
    this.poll = stagedBytes;
    this.lastPoll = Date.now();
    this.draw();
  }

  retried(): void {
    this.current.retries += 1;
    this.draw();
  }

  finishChunk(success: boolean): void {
    this.done += 1;
    if (!success) this.failed += 1;
    this.poll = undefined; // drawn again by the next chunk, or cleared by stop()
  }

  stop(): void {
    clearInterval(this.timer);
    this.terminal.clearStatus();
  }

  private tick(): void {
    const poll = this.poll;
    if (poll && !this.polling && Date.now() - this.lastPoll >= POLL_MS) {
      this.polling = true;
      this.lastPoll = Date.now();
      poll()
        .then((bytes) => {
          if (this.poll === poll) this.current.staged = Math.max(this.current.staged, bytes);
        })
        .catch(() => undefined)
        .finally(() => (this.polling = false));
    }
    this.draw();
  }

  private draw(): void {
    this.terminal.setStatus(
      renderProgress({ ...this.current, done: this.done, failed: this.failed, total: this.total, now: Date.now() }),
    );
  }
}

export interface ProgressState {
  readonly done: number;
  readonly failed: number;
  readonly total: number;
  readonly position: number;
  readonly label: string;
  readonly staged: number;
  readonly retries: number;
  readonly started: number;
  readonly now: number;
}

/** `[████████░░░░] chunk 2/3 (1 done) 0001-doc.mp4 3.0 MiB staged, 1 retry, 4s` */
export function renderProgress(state: ProgressState): string {
  const filled = state.total === 0 ? BAR_WIDTH : Math.round((state.done / state.total) * BAR_WIDTH);
  const bar = `[${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}]`;
  if (state.done >= state.total)
    return `${bar} ${state.done}/${state.total} chunks done${state.failed ? `, ${state.failed} failed` : ""}`;
  const parts = [`${formatBytes(state.staged)} staged`];
  if (state.retries > 0) parts.push(`${state.retries} ${state.retries === 1 ? "retry" : "retries"}`);
  parts.push(`${Math.floor((state.now - state.started) / 1000)}s`);
  const failed = state.failed ? `, ${state.failed} failed` : "";
  return `${bar} chunk ${state.position + 1}/${state.total} (${state.done} done${failed}) ${state.label}: ${parts.join(", ")}`;
}
