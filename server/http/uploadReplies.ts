import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import { isOpaqueId } from '../safety/clientKey.ts';

/** What an upload was answered: its status and JSON body. */
export interface UploadReply {
  status: number;
  body: unknown;
  /** Set when the answer is another attempt's with the same key (one that ran meanwhile). */
  replayed?: boolean;
}

/**
 * Upload answers kept by Idempotency-Key: {@link UploadReplies} in one process's memory,
 * `RedisUploadReplies` for a cluster.
 */
export interface ReplyBook {
  /** The answer kept for `key`, waiting while it is being made; null when there is none (or it failed). */
  replay(key: string): Promise<UploadReply | null>;
  /** Makes the answer for `key` with `make` and keeps it if it succeeds; failed attempts are not kept. */
  make(key: string, make: () => Promise<UploadReply>): Promise<UploadReply>;
  /** Drops the answers about tiles that are gone (deleted by their owner or an admin). */
  forget(ids: readonly number[]): Promise<void>;
}

/**
 * The `Idempotency-Key` of an upload (the add page makes one per chosen photo), or null
 * without one; 400 when it is malformed.
 */
export function idempotencyKey(header: unknown): string | null {
  if (header === undefined) return null;
  if (!isOpaqueId(header))
    throw new AppError(
      400,
      'BAD_REQUEST',
      'Idempotency-Key must be 16-64 characters of A-Z, a-z, 0-9, _ and -.',
    );
  return header;
}

/**
 * Successful upload answers by Idempotency-Key, in memory for a while. On bad mobile data a
 * phone can lose the answer after the server stored its photo; sent again, the photo would
 * be refused as already in the mosaic, and its delete link, shown only in that answer, lost.
 * With its key it gets the same answer again (the same tile and delete token), and a copy
 * sent while the first is still being processed waits for that one. Failed attempts are
 * not kept, so a retry does the work anew. Keys are held hashed; the answers, delete
 * tokens included, only in memory and for `ttlMs`.
 */
export class UploadReplies implements ReplyBook {
  private readonly entries = new Map<string, { at: number; reply: Promise<UploadReply>; id?: number }>();

  constructor(
    private readonly ttlMs = 15 * 60_000,
    private readonly max = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Number of answers held (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** The answer kept for `key`, if any (waiting for it while it is made); null when none or it failed. */
  async replay(key: string): Promise<UploadReply | null> {
    this.prune();
    const e = this.entries.get(hash(key));
    if (!e) return null;
    try {
      return await e.reply;
    } catch {
      return null;
    }
  }

  /**
   * Makes the answer for `key` and keeps it if it succeeds. A copy that arrives while another
   * attempt with its key holds the entry (the two can pass `replay` in the same turn of the
   * event loop) waits for that attempt's answer instead of storing the photo a second time.
   */
  async make(key: string, make: () => Promise<UploadReply>): Promise<UploadReply> {
    this.prune();
    const h = hash(key);
    for (let other = this.entries.get(h); other; other = this.entries.get(h)) {
      try {
        return { ...(await other.reply), replayed: true };
      } catch {
        // That attempt failed and dropped its entry: this one does the work, unless a third took over.
        if (this.entries.get(h) === other) this.entries.delete(h);
      }
    }
    const reply = make();
    const entry: { at: number; reply: Promise<UploadReply>; id?: number } = { at: this.clock(), reply };
    this.entries.set(h, entry);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    try {
      const r = await reply;
      entry.id = (r.body as { id?: number }).id;
      return r;
    } catch (err) {
      if (this.entries.get(h)?.reply === reply) this.entries.delete(h);
      throw err;
    }
  }

  /** Drops the answers about tiles that are gone (deleted by their owner or an admin). */
  async forget(ids: readonly number[]): Promise<void> {
    for (const [k, e] of this.entries) if (e.id !== undefined && ids.includes(e.id)) this.entries.delete(k);
  }

  private prune(): void {
    const old = this.clock() - this.ttlMs;
    for (const [k, e] of this.entries) {
      if (e.at > old) break;
      this.entries.delete(k);
    }
  }
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
