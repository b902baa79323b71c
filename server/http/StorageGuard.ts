import { statfs } from 'node:fs/promises';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';

/** Disk use of the data folder's file system, in bytes. */
export interface StorageUse {
  usedBytes: number;
  freeBytes: number;
}

const FULL_MESSAGE =
  'The server is out of disk space, so no photo can be added right now. Nothing was stored; please try again later.';

/** The answer to an upload when the disk is full: 507 STORAGE_FULL, whoever noticed it. */
export function storageFull(): AppError {
  return new AppError(507, 'STORAGE_FULL', FULL_MESSAGE, { 'Retry-After': '60' });
}

/** Whether an error is the file system or SQLite running out of space. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/**
 * Refuses uploads while the data folder's disk has less than `minFreeBytes` free, before
 * SQLite or a tile file meets the wall (a full disk otherwise shows as a 500 halfway
 * through). `statfs` is asked at most once per `ttlMs`; the server log warns once when the
 * disk passes 90 % and again after it went back under 85 %.
 */
export class StorageGuard {
  private last: { at: number; use: Promise<StorageUse> } | null = null;
  private warned = false;
  private unaskable = false;

  constructor(
    private readonly dir: string,
    private readonly minFreeBytes: number,
    private readonly opts: { ttlMs?: number; warn?: (line: string) => void; clock?: () => number } = {},
  ) {}

  /** The disk's use, at most `ttlMs` old. */
  use(): Promise<StorageUse> {
    const now = (this.opts.clock ?? Date.now)();
    if (!this.last || now - this.last.at >= (this.opts.ttlMs ?? 1000)) {
      const use = this.measure();
      this.last = { at: now, use };
      use.catch(() => {
        if (this.last?.use === use) this.last = null;
      });
    }
    return this.last.use;
  }

  /**
   * Throws 507 STORAGE_FULL when less than the reserve is free. When the disk cannot be asked
   * (statfs fails), the upload goes on: a write that meets a full disk still answers 507.
   */
  async check(): Promise<void> {
    let freeBytes: number;
    try {
      ({ freeBytes } = await this.use());
    } catch (e) {
      if (!this.unaskable)
        (this.opts.warn ?? console.warn)(`storage: free space of ${this.dir} unknown: ${e}`);
      this.unaskable = true;
      return;
    }
    if (freeBytes < this.minFreeBytes) throw storageFull();
  }

  /** Forgets the cached figure (after space ran out, or was freed, the next check asks again). */
  forget(): void {
    this.last = null;
  }

  /** Express middleware: the check, before the upload is read. */
  readonly handler: RequestHandler = (_req, _res, next) => {
    this.check().then(() => next(), next);
  };

  private async measure(): Promise<StorageUse> {
    const s = await statfs(this.dir);
    const total = s.blocks * s.bsize;
    // bavail: what an unprivileged writer may still use; the root reserve does not count.
    const freeBytes = s.bavail * s.bsize;
    const usedBytes = total - s.bfree * s.bsize;
    const share = total > 0 ? usedBytes / (usedBytes + freeBytes) : 0;
    if (share >= 0.9 && !this.warned) {
      this.warned = true;
      (this.opts.warn ?? console.warn)(
        `storage: the data folder's disk (${this.dir}) is ${Math.round(share * 100)} % full, ${Math.round(freeBytes / 1048576)} MB free; uploads stop below MIN_FREE_MB=${Math.round(this.minFreeBytes / 1048576)}`,
      );
    } else if (share < 0.85) this.warned = false;
    return { usedBytes, freeBytes };
  }
}
