/**
 * What the bulk import (the `npm run import` command and the admin page) sends and what it
 * leaves out, decided the same way on both sides: by the file's name, then by its first
 * bytes. The server judges every sent file again by its bytes (`UNSUPPORTED_FORMAT` comes
 * from it); this only saves sending what is plainly not a photo.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

import type { ImportAnswer } from './adminApi.ts';

/** File name endings the import sends (lower case). */
export const PHOTO_EXTENSIONS = ['jpg', 'jpeg', 'jfif', 'png', 'webp', 'avif', 'heic', 'heif'] as const;

/** Bytes {@link looksLikePhoto} needs to decide. */
export const SNIFF_BYTES = 32;

/** Whether a path inside a folder or ZIP names a photo by its ending (case-insensitive). */
export function hasPhotoExtension(path: string): boolean {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return false;
  return (PHOTO_EXTENSIONS as readonly string[]).includes(path.slice(dot + 1).toLowerCase());
}

/** Whether a path names a ZIP archive, which the import opens and reads through. */
export function isZipName(path: string): boolean {
  return /\.zip$/i.test(path);
}

const ascii = (b: Uint8Array, start: number, end: number) => String.fromCharCode(...b.subarray(start, end));

/** Whether the first bytes are those of a JPEG, PNG, WebP or an ISO-BMFF image (AVIF, HEIC). */
export function looksLikePhoto(head: Uint8Array): boolean {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return true;
  if (head.length >= 8 && ascii(head, 0, 8) === '\x89PNG\r\n\x1a\n') return true;
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return true;
  return head.length >= 12 && ascii(head, 4, 8) === 'ftyp';
}

/** How one file of an import ended. */
export type ImportOutcome =
  | { status: 'imported' | 'pending' | 'skipped'; id: number }
  | { status: 'refused'; code: string; message: string };

/**
 * What the server's answer means for the file. A file sent again after a try whose answer never
 * came back (a dropped connection, a stall) may be answered `skipped` for the tile that very try
 * made: when that tile is younger than the lost try, this run imported the file, not an earlier one.
 * `lostTryAt` is when the first lost try began (null when none was lost), on the sender's clock;
 * the tile's age is measured on the server's, so the two clocks need not agree. The age is read
 * when its answer arrives, so a tile made less than that answer's way back before the lost try
 * (another run of the same files at the same moment) counts as this run's too.
 */
export function outcomeOf(answer: ImportAnswer, lostTryAt: number | null, now = Date.now()): ImportDone {
  if (
    answer.status === 'skipped' &&
    answer.ageMs !== undefined &&
    lostTryAt !== null &&
    answer.ageMs <= now - lostTryAt
  )
    return { status: answer.pending ? 'pending' : 'imported', id: answer.id };
  return { status: answer.status, id: answer.id };
}

/** The outcome of a file the server took (imported now, waiting for review, or imported before). */
export type ImportDone = Extract<ImportOutcome, { id: number }>;

/** The message given to files left out before sending. */
export const NOT_A_PHOTO_MESSAGE =
  'Not sent: not a JPEG, PNG, WebP, AVIF or HEIC photo by its name or bytes.';

/** Imported, pending, skipped and refused counts of a finished or running import. */
export interface ImportTally {
  imported: number;
  pending: number;
  skipped: number;
  refused: number;
}

/** Adds one outcome to a tally. */
export function countOutcome(t: ImportTally, o: ImportOutcome): void {
  t[o.status]++;
}

/**
 * The import's working time: the time since it began less the time its server could not be
 * reached, so that photos/s and the time left are the import's, not an outage's.
 */
export class WorkClock {
  private waitedMs = 0;
  private downAt: number | null = null;
  private readonly began: number;

  constructor(private readonly now: () => number) {
    this.began = now();
  }

  /** The server stops answering (true) or answers again (false). */
  waiting(on: boolean): void {
    if (on && this.downAt === null) this.downAt = this.now();
    else if (!on && this.downAt !== null) {
      this.waitedMs += this.now() - this.downAt;
      this.downAt = null;
    }
  }

  /** Whether the import waits for its server now. */
  get down(): boolean {
    return this.downAt !== null;
  }

  /** Seconds of work so far. */
  get seconds(): number {
    const now = this.now();
    return (now - this.began - this.waitedMs - (this.downAt === null ? 0 : now - this.downAt)) / 1000;
  }

  /**
   * Photos/s so far, and the seconds left at that pace: null until a file is done, and while the
   * server cannot be reached (nobody knows when it answers again).
   */
  pace(done: number, total: number): { rate: number; left: number | null } {
    const secs = this.seconds;
    const rate = secs > 0 ? done / secs : 0;
    return { rate, left: rate > 0 && !this.down ? Math.ceil((total - done) / rate) : null };
  }
}
