import { createServer, type Server as HttpServer } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { ClusterNode } from './cluster/startCluster.ts';
import type { Config } from './config.ts';
import { MosaicService } from './core/MosaicService.ts';
import type { MosaicPort } from './core/port.ts';
import { setHeapGrowth } from './heapGrowth.ts';
import { adminRoutes } from './http/adminRoutes.ts';
import { CLIENT_DIR, clientRoutes } from './http/clientRoutes.ts';
import { errorHandler, notFound } from './http/errorHandler.ts';
import { exportRoutes } from './http/exportRoutes.ts';
import { flagRoutes } from './http/flagRoutes.ts';
import { healthRoute } from './http/healthRoute.ts';
import { importRoute } from './http/importRoute.ts';
import { mosaicRoutes } from './http/mosaicRoutes.ts';
import { OverviewPages } from './http/overviewPage.ts';
import { previewRoutes } from './http/previewRoutes.ts';
import { printRoutes } from './http/printRoutes.ts';
import { RedisUploadReplies } from './http/RedisUploadReplies.ts';
import { rallyRoutes } from './http/rallyRoutes.ts';
import { StorageGuard } from './http/StorageGuard.ts';
import { refuseCrossSite, securityHeaders } from './http/security.ts';
import { snapshotRoute } from './http/snapshotRoute.ts';
import { TimelapseJobs } from './http/TimelapseJobs.ts';
import { tileRoutes } from './http/tileRoutes.ts';
import { timelapseRoutes } from './http/timelapseRoutes.ts';
import { currentViewStart, viewRoutes } from './http/viewRoutes.ts';
import { SqliteImportLedger } from './importing/SqliteImportLedger.ts';
import { defaultHeicWorkers, setHeicWorkers } from './ingest/heic.ts';
import { type IngestedPhoto, type IngestOptions, ingestPhoto } from './ingest/pipeline.ts';
import { Target } from './ingest/target.ts';
import { MemoryRallies } from './rallies/MemoryRallies.ts';
import { PgRallies } from './rallies/PgRallies.ts';
import { RallyRegistry } from './rallies/RallyRegistry.ts';
import type { RallyStore } from './rallies/RallyStore.ts';
import { SqliteRallies } from './rallies/SqliteRallies.ts';
import { attachAdminStats } from './realtime/adminNamespace.ts';
import { attachRealtime, type Realtime } from './realtime/attachRealtime.ts';
import { LivePyramid } from './realtime/LivePyramid.ts';
import { requireAdmin } from './safety/adminAuth.ts';
import { createSafety, type Safety } from './safety/createSafety.ts';
import { RedisOnline } from './stats/OnlineCounts.ts';
import { MemoryRefusals, RedisRefusals } from './stats/RefusalCounts.ts';
import { diskOf, StatsBook } from './stats/StatsBook.ts';
import { watchUploads } from './stats/watchUploads.ts';
import { SqliteStore } from './store/SqliteStore.ts';
import type { TileStore } from './store/types.ts';

export interface AppOptions {
  config: Config;
  /** Defaults to SQLite + files in config.dataDir. */
  store?: TileStore;
  /**
   * Where the rally registry lives. Defaults to the cluster's PostgreSQL, SQLite beside the
   * default store, or memory beside an injected store.
   */
  rallies?: RallyStore;
  pipeline?: (buf: Buffer, opts: IngestOptions) => Promise<IngestedPhoto>;
  clock?: () => number;
}

export interface App {
  httpServer: HttpServer;
  /** The mosaic as the routes use it, on either kind of node. */
  mosaic: MosaicPort;
  /** The embedded core (throws in cluster mode, where the engine lives on the placer). */
  service: MosaicService;
  /** The cluster node, or null for the embedded default. */
  cluster: ClusterNode | null;
  safety: Safety;
  rallies: RallyRegistry;
  stats: StatsBook;
  live: Realtime;
  /** The live colour pyramid the viewers draw from. */
  livePyramid: LivePyramid;
  io: Realtime['io'];
  /** Starts listening; resolves with the bound port. */
  listen(port?: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Builds the whole server without listening: tests boot it on port 0. */
export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  setHeapGrowth(config.HEAP_GROWTH_PERCENT);
  setHeicWorkers(config.HEIC_WORKERS ?? defaultHeicWorkers());
  // Derived target data (a big grid's cell features) is kept on this machine's disk, on either
  // kind of node: it holds nothing about any tile.
  const target = await Target.open(config.targetPath, join(config.dataDir, 'cache'));
  const parts = config.DATABASE_URL ? await import('./cluster/clusterParts.ts') : null;
  const cluster = parts ? await parts.startCluster(config, target) : null;
  const store = cluster ? null : (opts.store ?? new SqliteStore(config.dataDir));
  const core = store
    ? await MosaicService.open({
        store,
        target,
        cols: config.MOSAIC_COLS,
        rows: config.MOSAIC_ROWS,
        tint: config.MOSAIC_TINT,
        seed: config.MOSAIC_SEED,
        moderation: config.MODERATION,
        clock: opts.clock,
      })
    : null;
  const service: MosaicPort = cluster ? cluster.mosaic : core!;
  const node = config.NODE_ID ?? `${hostname()}-${process.pid}`;
  const health = () =>
    cluster?.health() ?? { ok: true, role: 'single' as const, node, seq: core!.seq, epoch: core!.epoch };
  // The placer checks duplicates across the cluster; a single process checks them here.
  const safety =
    parts && cluster ? await parts.clusterSafety(service, config, cluster) : createSafety(service, config);
  const rallies = await RallyRegistry.open(
    opts.rallies ??
      (cluster
        ? new PgRallies(cluster.pool)
        : opts.store
          ? new MemoryRallies()
          : new SqliteRallies(config.dataDir)),
    config.EVENTS,
    { shared: !!cluster },
  );
  const stats = new StatsBook({
    node,
    service,
    cluster: !!cluster,
    storage: cluster
      ? async () => {
          const r = await cluster.pool.query('SELECT pg_database_size(current_database()) AS n');
          return { usedBytes: Number(r.rows[0].n), freeBytes: null };
        }
      : () => diskOf(config.dataDir),
    storageFailed: () => !!store?.refusal(),
    refusals: cluster
      ? new RedisRefusals(cluster.redis, `${config.REDIS_PREFIX}stats:refused`)
      : new MemoryRefusals(),
    online: cluster ? new RedisOnline(cluster.redis, `${config.REDIS_PREFIX}stats:online`, node) : undefined,
  });
  const deps = {
    rallies,
    replies: cluster ? new RedisUploadReplies(cluster.redis, { prefix: config.REDIS_PREFIX }) : undefined,
    service,
    target,
    config,
    ingest: stats.timed(opts.pipeline ?? ingestPhoto),
    beforeStore: safety.beforeStore,
  };

  const ledger =
    parts && cluster
      ? new parts.PgImportLedger(cluster.pool)
      : // One fsync group for mosaic.db's WAL: the store's, where it is the file's owner.
        new SqliteImportLedger(
          config.dataDir,
          Date.now,
          store instanceof SqliteStore ? () => store.durable() : undefined,
        );
  // Tiles are on this disk only in the embedded store; a cluster keeps them in PostgreSQL.
  const guard = cluster ? null : new StorageGuard(config.dataDir, config.MIN_FREE_MB * 1048576);

  const app = express();
  let closing: Promise<void> | null = null;
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  app.use(securityHeaders({ https: config.PUBLIC_URL?.startsWith('https:') ?? false }));
  app.use('/api', refuseCrossSite);
  app.use(healthRoute(health));
  app.post('/api/tiles', watchUploads(stats));
  for (const l of safety.uploadLimiters) app.post('/api/tiles', l.handler);
  if (guard) app.post('/api/tiles', guard.handler);
  app.use(flagRoutes({ ...deps, flags: safety.flags, keys: safety.keys, limiter: safety.flagLimiter }));
  const adminDeps = { ...deps, flags: safety.flags, loginLimiter: safety.loginLimiter };
  app.use(adminRoutes(adminDeps));
  // Cluster nodes on one machine may share DATA_DIR: each keeps (and empties at start) its own folder.
  const mediaDir = cluster ? join(config.dataDir, 'media', node) : join(config.dataDir, 'media');
  const timelapse = new TimelapseJobs(
    service,
    target,
    mediaDir,
    parts && cluster ? () => parts.openTimelapseLog(cluster.pool) : undefined,
  );
  app.use(timelapseRoutes(adminDeps, timelapse));
  app.use(rallyRoutes({ rallies, config, loginLimiter: safety.loginLimiter }));
  app.get('/api/admin/stats', requireAdmin(config.ADMIN_TOKEN), async (_req, res) => {
    res.json(await stats.collect());
  });
  app.use(importRoute({ ...deps, ledger, guard, loginLimiter: safety.loginLimiter }));
  app.use(adminRoutes({ ...deps, flags: safety.flags, loginLimiter: safety.loginLimiter }));
  app.use(tileRoutes(deps));
  const mosaic = mosaicRoutes(deps);
  app.use(mosaic.router);
  const pyramid = exportRoutes({ ...deps, loginLimiter: safety.loginLimiter });
  app.use(pyramid.router);
  const print = printRoutes({ ...deps, loginLimiter: safety.loginLimiter });
  app.use(print.router);
  const viewDeps = {
    live: () => live.broadcaster,
    pyramid: () => livePyramid,
    cellsMaxTiles: config.VIEW_CELLS_MAX_TILES,
  };
  const overview = new OverviewPages(
    CLIENT_DIR,
    async (atLeast) => (await currentViewStart(viewDeps, atLeast)).start,
  );
  const previews = previewRoutes(deps, CLIENT_DIR, overview);
  app.use(previews.router);
  // The live layer is attached below; the route asks it at request time.
  app.use(snapshotRoute(() => ({ ...live.broadcaster.snapshotFrame(), epoch: live.broadcaster.epoch })));
  app.use(viewRoutes({ ...viewDeps, imageCacheSeconds: config.IMAGE_CACHE_SECONDS }));
  app.use('/api', notFound);
  app.use(clientRoutes(CLIENT_DIR, overview));
  app.use(notFound);
  app.use(errorHandler);

  const httpServer = createServer(app);
  httpServer.requestTimeout = 120_000;
  const live = attachRealtime(httpServer, service.live, { knownEvent: (code) => rallies.allows(code) });
  const livePyramid = new LivePyramid(live.broadcaster, {
    cacheDir: join(config.dataDir, 'cache', 'pyramid'),
  });
  await safety.attachLive(live.io);
  stats.attachLive(live.broadcaster, live.io);
  const adminLive = attachAdminStats(live.io, { token: config.ADMIN_TOKEN, collect: () => stats.collect() });

  return {
    httpServer,
    mosaic: service,
    get service(): MosaicService {
      if (!core) throw new Error('cluster mode: the engine lives on the placer');
      return core;
    },
    cluster,
    safety,
    rallies,
    stats,
    live,
    livePyramid,
    io: live.io,
    listen(port = config.PORT, host = config.HOST) {
      return new Promise((resolveListen, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const addr = httpServer.address();
          resolveListen(typeof addr === 'object' && addr ? addr.port : port);
        });
      });
    },
    close() {
      // Once: a second signal (Ctrl-C pressed again while it stops) waits for the same stop.
      closing ??= (async () => {
        timelapse.close();
        mosaic.atlases.close();
        pyramid.close();
        livePyramid.close();
        await livePyramid.flush();
        print.close();
        previews.close();
        safety.close();
        adminLive.close();
        await stats.close();
        await live.close();
        await new Promise<void>((r) => {
          httpServer.close(() => r());
          httpServer.closeAllConnections();
        });
        await core?.close().catch((e) => console.error('stop: the start-up image could not be written:', e));
        await rallies.close();
        await ledger.close();
        store?.close();
        await cluster?.close();
      })();
      return closing;
    },
  };
}
