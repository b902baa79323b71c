import { mkdtempSync, rmSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MosaicPort } from '../core/port.ts';
import { AppError } from '../errors.ts';

/** A made file: where it lies and how big it is. */
export interface PrintFile {
  path: string;
  bytes: number;
  /** Not kept (the mosaic changed while it was made): remove it once sent. */
  transient?: boolean;
}

/**
 * Rendered print files (posters) in a private temporary folder, by the parameters that made
 * them, kept until the mosaic's picture changes: any changed cell (a placement, a delete, a
 * takedown, a growth) removes every file at once, so a deleted tile never outlives its delete
 * here. One render runs at a time; a second request for the same file waits for it, one for
 * another file is told to come back (429), since an A0 poster takes the CPU for a minute.
 */
export class PrintCache {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kiss-print-'));
  private readonly done = new Map<string, PrintFile>();
  private running: { key: string; seq: number; file: Promise<PrintFile> } | null = null;
  private serial = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly service: MosaicPort) {
    this.unsubscribe = service.subscribeCells(() => this.clear());
  }

  /** A fresh path inside the cache's folder, for a render to write to. */
  path(ext: string): string {
    return join(this.dir, `${++this.serial}.${ext}`);
  }

  /**
   * The file for `key` as the mosaic is now: from the cache, from a render already running
   * for it, or made by `make` (which writes to a {@link path}). Throws 429 while another
   * render runs.
   */
  async get(key: string, make: () => Promise<string>): Promise<PrintFile> {
    const seq = this.service.seq;
    const hit = this.done.get(key);
    if (hit) return hit;
    if (this.running) {
      if (this.running.key === key && this.running.seq === seq) return this.running.file;
      throw new AppError(429, 'RATE_LIMITED', 'Another print file is being made; try again in a minute.', {
        'Retry-After': '60',
      });
    }
    const file = (async () => {
      const path = await make();
      return { path, bytes: (await stat(path)).size };
    })();
    this.running = { key, seq, file };
    try {
      const made = await file;
      // A change while it was drawn: serve it (it shows the mosaic as it was asked for) but keep nothing.
      if (this.service.seq === seq) this.done.set(key, made);
      else return { ...made, transient: true };
      return made;
    } finally {
      this.running = null;
    }
  }

  /** Removes every finished file (a render in flight is not kept when it ends: its seq is old). */
  clear(): void {
    for (const f of this.done.values()) void rm(f.path, { force: true });
    this.done.clear();
  }

  close(): void {
    this.unsubscribe();
    this.done.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
