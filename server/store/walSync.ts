import { type FileHandle, open } from 'node:fs/promises';
import { AppError } from '../errors.ts';

/** The answer once the disk failed to keep a commit: nothing is stored until a restart. */
export function storageFailed(): AppError {
  return new AppError(
    503,
    'STORAGE_FAILED',
    "The server's disk reported an error, so it cannot promise to keep photos right now. Please try again later.",
    { 'Retry-After': '300' },
  );
}

/**
 * Makes the commits of a WAL-mode SQLite database durable off the event loop. Its
 * connections commit at `synchronous = NORMAL` (no fsync in the commit, which better-sqlite3
 * would run on the main thread) and then await `sync()`: an fsync of the `-wal` file on the
 * libuv pool, after which every frame committed before the call is on disk. That is what
 * `synchronous = FULL` does inside each commit, so an answer sent after `sync()` is as durable.
 * Callers waiting at once share one fsync; one arriving while an fsync runs waits for the next,
 * as that one may have started before its commit.
 *
 * After a failed fsync every later `sync()` fails too: the kernel may have dropped the pages it
 * could not write, so no later fsync proves them on disk (the owner refuses commits from then
 * on; a restart reads what the disk holds).
 */
export class WalSync {
  private file: Promise<FileHandle> | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private failure: AppError | null = null;
  /** fsyncs run so far. */
  flushes = 0;

  constructor(private readonly walPath: string) {}

  /** 503 STORAGE_FAILED once an fsync has failed (nothing committed since can be made durable), else null. */
  get failed(): AppError | null {
    return this.failure;
  }

  /** Resolves once every frame committed before the call is on disk; else rejects with 503 STORAGE_FAILED. */
  sync(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (!this.running) {
      this.running = this.flush();
      return this.running;
    }
    if (!this.queued) {
      const next = () => {
        this.queued = null;
        return this.sync();
      };
      this.queued = this.running.then(next, next);
    }
    return this.queued;
  }

  private async flush(): Promise<void> {
    try {
      this.file ??= open(this.walPath, 'r');
      await (await this.file).sync();
      this.flushes++;
    } catch (e) {
      if (this.failure === null) {
        this.failure = storageFailed();
        console.error(
          `store: the disk could not keep the journal ${this.walPath} (${(e as Error).message}); nothing more is stored until the server restarts`,
        );
      }
      throw this.failure;
    } finally {
      this.running = null;
    }
  }

  /** Closes the file (after the connection's last commit was synced). */
  async close(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.then((f) => f.close()).catch(() => {});
  }
}
