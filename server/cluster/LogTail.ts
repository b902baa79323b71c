import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { LiveCopy } from './LiveCopy.ts';
import { decodeLogBatch } from './logCodec.ts';
import { readChangesAfter, readMeta } from './pgData.ts';

export interface LogTailOptions {
  pool: pg.Pool;
  /** A connection of its own: it blocks on XREAD. */
  redis: Redis;
  streamKey: string;
  copy: LiveCopy;
  /** Called when the log belongs to another epoch (the mosaic was started afresh): reload. */
  onEpochChange: () => void;
  log: (message: string, error?: unknown) => void;
  /** How often the database's seq is compared with the copy's, in case a stream entry was lost. */
  checkMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps a node's live copy at the head of the change log. It follows the Redis stream (one
 * entry per placer commit, id = the commit's last seq) and catches up from the PostgreSQL
 * log whenever an entry does not follow on (a gap), the stream is unreachable, or the
 * database's seq is ahead of the copy's (an entry lost between commit and publish). The
 * copy applies entries in seq order and skips what it holds, so nothing is seen twice.
 */
export class LogTail {
  private closed = false;
  private catching: Promise<void> | null = null;
  private readonly checker: ReturnType<typeof setInterval>;
  private redisUp = true;

  constructor(private readonly o: LogTailOptions) {
    this.checker = setInterval(() => void this.check(), o.checkMs ?? 1000);
    this.checker.unref();
    void this.follow();
  }

  /** True while the stream is being followed (false: the database is polled instead). */
  get streaming(): boolean {
    return this.redisUp;
  }

  private async follow(): Promise<void> {
    while (!this.closed) {
      try {
        const res = (await this.o.redis.xreadBuffer(
          'BLOCK',
          1000,
          'STREAMS',
          this.o.streamKey,
          `${this.o.copy.seq}-0`,
        )) as [Buffer, [Buffer, Buffer[]][]][] | null;
        if (!this.redisUp) this.o.log('log: following the stream again');
        this.redisUp = true;
        for (const [, entries] of res ?? []) {
          for (const [, fields] of entries) {
            const b = fieldOf(fields, 'b');
            if (!b) continue;
            const changes = decodeLogBatch(b);
            if (!this.o.copy.apply(changes)) {
              await this.catchUp();
              this.o.copy.apply(changes);
            }
          }
        }
      } catch (e) {
        if (this.closed) return;
        if (this.redisUp) this.o.log('log: the stream is unreachable; reading the database log instead', e);
        this.redisUp = false;
        await this.catchUp();
        await sleep(250);
      }
    }
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    try {
      const meta = await readMeta(this.o.pool);
      if (meta.epoch !== this.o.copy.epoch) return this.o.onEpochChange();
      if (meta.seq > this.o.copy.seq) await this.catchUp();
    } catch {
      // The database is away: viewers keep what they have; the next check retries.
    }
  }

  /** Applies every log entry after the copy's seq from the database (one catch-up at a time). */
  catchUp(): Promise<void> {
    this.catching ??= this.readAll().finally(() => {
      this.catching = null;
    });
    return this.catching;
  }

  private async readAll(): Promise<void> {
    try {
      for (;;) {
        const groups = await readChangesAfter(this.o.pool, this.o.copy.seq);
        if (!groups.length) return;
        for (const g of groups) {
          if (g.epoch !== this.o.copy.epoch) return this.o.onEpochChange();
          if (!this.o.copy.apply(g.changes)) {
            this.o.log(`log: the database log has a gap after ${this.o.copy.seq}`);
            return;
          }
        }
      }
    } catch (e) {
      if (!this.closed) this.o.log('log: could not read the database log', e);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.checker);
    this.o.redis.disconnect();
  }
}

function fieldOf(fields: Buffer[], name: string): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]!.toString() === name) return fields[i + 1];
  return undefined;
}
