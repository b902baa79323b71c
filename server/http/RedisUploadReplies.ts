import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { outageLog } from '../safety/redisKeys.ts';
import type { ReplyBook, UploadReply } from './uploadReplies.ts';

/** Options of {@link RedisUploadReplies}. */
export interface RedisReplyOptions {
  /** Before every key, e.g. 'kiss:'. */
  prefix: string;
  /** How long an answer is kept (default 15 minutes). */
  ttlMs?: number;
  /** Life of the "being processed" marker, renewed while the work runs (default 60 s). */
  markerMs?: number;
  /** How often a waiting copy looks again (default 150 ms). */
  pollMs?: number;
  /** How long a copy waits for the first attempt before giving up on it (default 20 s). */
  waitMs?: number;
  /** Where the "Redis unavailable" line goes (at most once a minute). */
  log?: (line: string) => void;
}

const SEALED = 'r:';
const MARKER = 'p:';

// Compare-and-renew / compare-and-delete of this attempt's own marker, atomic in Redis.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const DROP = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Upload answers by Idempotency-Key, kept in Redis so that a retry that reaches another node
 * of the cluster gets the first answer (see {@link UploadReplies} for why). Redis sees only
 * hashes: the entry is found under `idem:<sha256('id:'+key)>` and its answer is sealed with
 * AES-256-GCM under sha256('enc:'+key), so without the Idempotency-Key nobody, the Redis
 * operator included, can read a delete token there.
 *
 * While the first attempt runs, its entry holds a marker (SET NX, renewed while it works), and
 * a copy, on any node, waits for the answer; a failed attempt removes its marker, and the copy
 * does the work anew. `idem-tile:<id>` points at a tile's entry so that deleting the tile
 * drops its answer on every node. With Redis unavailable uploads still work, without replay.
 */
export class RedisUploadReplies implements ReplyBook {
  private readonly ttlMs: number;
  private readonly markerMs: number;
  private readonly pollMs: number;
  private readonly waitMs: number;
  private readonly down: (err: unknown) => void;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisReplyOptions,
  ) {
    this.ttlMs = opts.ttlMs ?? 15 * 60_000;
    this.markerMs = opts.markerMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 150;
    this.waitMs = opts.waitMs ?? 20_000;
    this.down = outageLog('upload replies', 60_000, opts.log);
  }

  async replay(key: string): Promise<UploadReply | null> {
    try {
      return await this.await(key, Date.now() + this.waitMs);
    } catch (err) {
      this.down(err);
      return null;
    }
  }

  async make(key: string, make: () => Promise<UploadReply>): Promise<UploadReply> {
    const entry = this.entryKey(key);
    const marker = MARKER + randomBytes(9).toString('base64url');
    const claim = await this.claim(key, entry, marker);
    if (claim === 'alone') return make();
    if (claim !== 'mine') return claim;
    const renew = setInterval(
      () => this.redis.eval(RENEW, 1, entry, marker, this.markerMs).catch(this.down),
      this.markerMs / 3,
    );
    let reply: UploadReply;
    try {
      reply = await make();
    } catch (err) {
      await this.redis.eval(DROP, 1, entry, marker).catch(this.down);
      throw err;
    } finally {
      clearInterval(renew);
    }
    await this.keep(key, entry, reply).catch(this.down);
    return reply;
  }

  async forget(ids: readonly number[]): Promise<void> {
    try {
      for (const id of ids) {
        const tileKey = this.tileKey(id);
        const entry = await this.redis.get(tileKey);
        await this.redis.del(tileKey, ...(entry ? [entry] : []));
      }
    } catch (err) {
      this.down(err);
    }
  }

  /**
   * Puts this attempt's marker on the entry ('mine'), or waits for the attempt that holds it:
   * its answer, or its place if it fails. 'alone': without Redis, or after waiting `waitMs`,
   * the work runs unkept.
   */
  private async claim(key: string, entry: string, marker: string): Promise<UploadReply | 'mine' | 'alone'> {
    const deadline = Date.now() + this.waitMs;
    try {
      while ((await this.redis.set(entry, marker, 'PX', this.markerMs, 'NX')) !== 'OK') {
        const other = await this.await(key, deadline);
        if (other) return { ...other, replayed: true };
        if (Date.now() >= deadline) return 'alone';
        await sleep(this.pollMs);
      }
      return 'mine';
    } catch (err) {
      this.down(err);
      return 'alone';
    }
  }

  /** The answer for `key`, polling while an attempt holds the marker; null when there is none. */
  private async await(key: string, deadline: number): Promise<UploadReply | null> {
    const entry = this.entryKey(key);
    for (;;) {
      const v = await this.redis.get(entry);
      if (v === null) return null;
      if (v.startsWith(SEALED)) return open(v.slice(SEALED.length), key);
      if (Date.now() + this.pollMs > deadline) return null;
      await sleep(this.pollMs);
    }
  }

  private async keep(key: string, entry: string, reply: UploadReply): Promise<void> {
    const id = (reply.body as { id?: unknown }).id;
    const m = this.redis.multi().set(entry, SEALED + seal(reply, key), 'PX', this.ttlMs);
    if (typeof id === 'number') m.set(this.tileKey(id), entry, 'PX', this.ttlMs);
    await m.exec();
  }

  private entryKey(key: string): string {
    return `${this.opts.prefix}idem:${sha256(`id:${key}`).toString('base64url')}`;
  }

  private tileKey(id: number): string {
    return `${this.opts.prefix}idem-tile:${id}`;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** iv (12) | tag (16) | AES-256-GCM of the JSON answer, base64url. */
function seal(reply: UploadReply, key: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sha256(`enc:${key}`), iv);
  const body = Buffer.concat([
    c.update(JSON.stringify({ status: reply.status, body: reply.body })),
    c.final(),
  ]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
}

/** The sealed answer, or null if it does not open with this key (it cannot be trusted then). */
function open(sealed: string, key: string): UploadReply | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const d = createDecipheriv('aes-256-gcm', sha256(`enc:${key}`), raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    const json = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    return JSON.parse(json) as UploadReply;
  } catch {
    return null;
  }
}
