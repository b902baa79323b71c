import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { HealthAnswer } from '../../shared/httpApi.ts';
import type { Config } from '../config.ts';
import type { Target } from '../ingest/target.ts';
import { outageLog } from '../safety/redisKeys.ts';
import { ClusterMosaic } from './ClusterMosaic.ts';
import { Election } from './Election.ts';
import { LiveCopy } from './LiveCopy.ts';
import { LogTail } from './LogTail.ts';
import { loadLive } from './loadLive.ts';
import { encodeLogBatch } from './logCodec.ts';
import { FencedError, Placer } from './Placer.ts';
import { createPool, ensureMosaic } from './pgData.ts';
import { logOf } from './placerWrites.ts';
import { RequestQueue } from './RequestQueue.ts';
import { migrate } from './schema.ts';
import { PgTileImages } from './TileImages.ts';

/** A running cluster node: its mosaic for the routes, its role, and how to stop it. */
export interface ClusterNode {
  mosaic: ClusterMosaic;
  /** A Redis connection for the node's other users (limits, answers, flags); fails fast while Redis is away. */
  redis: Redis;
  /** The node's PostgreSQL pool, for the other tables it shares (the rally registry, the import ledger). */
  pool: pg.Pool;
  node: string;
  health(): HealthAnswer & { term: number; fenced: number; streaming: boolean };
  close(): Promise<void>;
}

/** Entries kept in the Redis stream; a node further behind reads the database log. */
const STREAM_MAXLEN = 100_000;

/** A connection that fails commands at once while Redis is away (`queue`: false), rather than holding them. */
export function redisClient(url: string, queue = false): Redis {
  const r = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: queue,
    retryStrategy: (n) => Math.min(n * 200, 1000),
    lazyConnect: false,
  });
  r.on('error', () => {}); // reported where a command fails
  return r;
}

/** Waits for a first connection, so that start-up fails with a clear line when Redis is not there. */
function ready(r: Redis, url: string): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      r.disconnect();
      reject(
        new Error(
          `Redis does not answer at ${new URL(url).host} (REDIS_URL): start it, or leave REDIS_URL and DATABASE_URL unset for the embedded store`,
        ),
      );
    }, 10_000);
    r.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Starts a node of the cluster mode: migrates the schema, loads its live copy from
 * PostgreSQL, follows the change log, takes part in the placer election, and, while it
 * is placer, runs the engine's batches and publishes each commit to the Redis stream.
 */
export async function startCluster(
  config: Config,
  target: Target,
  log = console.error,
): Promise<ClusterNode> {
  const url = config.DATABASE_URL!;
  const prefix = config.REDIS_PREFIX;
  const node = config.NODE_ID ?? `${hostname()}-${process.pid}`;
  const keys = { stream: `${prefix}log`, wake: `${prefix}wake`, done: `${prefix}done` };
  // This process's sessions, by name: unique per start, so that a claim (the import's ledger) of a
  // process that died, however its node is named, is told from one that still runs.
  const pool = createPool(url, 8, `kiss ${node.slice(0, 48)} ${randomBytes(4).toString('hex')}`);
  await migrate(pool);
  await ensureMosaic(pool, config.MOSAIC_COLS, config.MOSAIC_ROWS);
  const copy = await LiveCopy.load((each) => loadLive(pool, each));

  const pub = redisClient(config.REDIS_URL!);
  await ready(pub, config.REDIS_URL!);
  // The tail's first XREAD must find its connection up, or it reports Redis away at every start.
  const tailRedis = redisClient(config.REDIS_URL!);
  await ready(tailRedis, config.REDIS_URL!);
  // Subscriptions are made again by ioredis after every reconnection.
  const sub = redisClient(config.REDIS_URL!, true);
  const tail = new LogTail({
    pool,
    redis: tailRedis,
    streamKey: keys.stream,
    copy,
    onEpochChange: () => log('log: the database holds another mosaic now (new epoch): restart this node'),
    log,
  });
  const queue = new RequestQueue(
    pool,
    () => void pub.publish(keys.wake, node).catch(() => {}),
    config.PLACER_WAIT_MS,
  );
  const images = new PgTileImages(pool);
  const mosaic = new ClusterMosaic(pool, copy, queue, images, config.MODERATION);

  let placer: Placer | null = null;
  let term = 0;
  let fenced = 0;
  let kick: (() => void) | null = null;
  const nap = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        kick = null;
        r();
      }
      kick = done;
    });

  sub.on('message', (channel) => {
    if (channel === keys.wake) kick?.();
    else queue.notice();
  });
  sub.subscribe(keys.wake, keys.done).catch(() => {});

  // Not awaited: the one connection keeps entries in commit order, and the next batch need
  // not wait for Redis. A lost entry is found in the database log; answers, by polling.
  const publish = (p: Placer, r: Awaited<ReturnType<Placer['runBatch']>>) => {
    const entries = r.write ? logOf(r.write) : [];
    copy.apply(entries);
    const failed = publishFailed;
    if (entries.length) {
      pub
        .xadd(keys.stream, 'MAXLEN', '~', STREAM_MAXLEN, `${p.seq}-0`, 'b', encodeLogBatch(entries))
        .catch(failed);
    }
    pub.publish(keys.done, node).catch(failed);
  };
  const publishFailed = outageLog('placer: publishing commits', 60_000, log);

  const run = async (p: Placer) => {
    let pruned = Date.now();
    while (placer === p) {
      try {
        const r = await p.runBatch();
        if (r.answered.length) {
          publish(p, r);
          if (r.write?.deleted.length)
            await images.drop(r.write.deleted).catch((e) => log('placer: images of deleted tiles', e));
          continue;
        }
        if (Date.now() - pruned > 60_000) {
          pruned = Date.now();
          await pool.query(
            `DELETE FROM requests WHERE state <> 'queued' AND done_at < now() - interval '1 hour'`,
          );
        }
      } catch (e) {
        if (e instanceof FencedError) {
          fenced++;
          log(`placer: ${e.message}; stepping down`);
          if (placer === p) placer = null;
          return;
        }
        log('placer: a batch failed', e);
        await nap(500);
        continue;
      }
      await nap(200);
    }
  };

  const election = new Election({
    url,
    log,
    elected: (t) => {
      term = t;
      log(`placer: node ${node} is placer with term ${t}`);
      // Loading a big mosaic's engine blocks this process for seconds: the lock must not lapse meanwhile.
      election
        .allowSilence(120_000)
        .then(() =>
          Placer.start({
            pool,
            target,
            tint: config.MOSAIC_TINT,
            seed: config.MOSAIC_SEED,
            moderation: config.MODERATION,
            duplicateThreshold: config.DUPLICATE_CHECK ? config.DUPLICATE_THRESHOLD : null,
            term: t,
            log,
          }),
        )
        .then(async (p) => {
          await election.allowSilence(null);
          if (!election.isPlacer || term !== t) return;
          placer = p;
          void run(p);
        })
        .catch((e) => {
          log('placer: could not load the engine; giving the role up', e);
          election.stepDown();
        });
    },
    deposed: () => {
      placer = null;
      kick?.();
    },
  });

  // A follower puts the grid's target features on disk, so that a failover reads them instead
  // of computing them (a new placer's first step; seconds at a million cells).
  setTimeout(() => {
    if (!placer && !election.isPlacer)
      target.warmCache(copy.cols, copy.rows).catch((e) => log('target: the cell features cache', e));
  }, 2000).unref();

  return {
    mosaic,
    redis: pub,
    pool,
    node,
    health: () => ({
      ok: true,
      role: placer ? 'placer' : 'follower',
      node,
      seq: copy.seq,
      epoch: copy.epoch,
      term,
      fenced,
      streaming: tail.streaming,
    }),
    async close() {
      placer = null;
      kick?.();
      queue.close();
      tail.close();
      await election.close();
      sub.disconnect();
      pub.disconnect();
      await pool.end().catch(() => {});
    },
  };
}
