import { createServer, type Server as HttpServer } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { clusterSafety } from './cluster/clusterSafety.ts';
import { type ClusterNode, startCluster } from './cluster/startCluster.ts';
import type { Config } from './config.ts';
import { MosaicService } from './core/MosaicService.ts';
import type { MosaicPort } from './core/port.ts';
import { adminRoutes } from './http/adminRoutes.ts';
import { clientRoutes } from './http/clientRoutes.ts';
import { errorHandler, notFound } from './http/errorHandler.ts';
import { exportRoutes } from './http/exportRoutes.ts';
import { flagRoutes } from './http/flagRoutes.ts';
import { healthRoute } from './http/healthRoute.ts';
import { mosaicRoutes } from './http/mosaicRoutes.ts';
import { previewRoutes } from './http/previewRoutes.ts';
import { printRoutes } from './http/printRoutes.ts';
import { RedisUploadReplies } from './http/RedisUploadReplies.ts';
import { refuseCrossSite, securityHeaders } from './http/security.ts';
import { snapshotRoute } from './http/snapshotRoute.ts';
import { tileRoutes } from './http/tileRoutes.ts';
import { type IngestedPhoto, type IngestOptions, ingestPhoto } from './ingest/pipeline.ts';
import { Target } from './ingest/target.ts';
import { attachRealtime, type Realtime } from './realtime/attachRealtime.ts';
import { createSafety, type Safety } from './safety/createSafety.ts';
import { SqliteStore } from './store/SqliteStore.ts';
import type { TileStore } from './store/types.ts';

export interface AppOptions {
  config: Config;
  /** Defaults to SQLite + files in config.dataDir. */
  store?: TileStore;
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
  live: Realtime;
  io: Realtime['io'];
  /** Starts listening; resolves with the bound port. */
  listen(port?: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Builds the whole server without listening: tests boot it on port 0. */
export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  // Derived target data (a big grid's cell features) is kept on this machine's disk, on either
  // kind of node: it holds nothing about any tile.
  const target = await Target.open(config.targetPath, join(config.dataDir, 'cache'));
  const cluster = config.DATABASE_URL ? await startCluster(config, target) : null;
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
  const safety = cluster ? await clusterSafety(service, config, cluster) : createSafety(service, config);
  const deps = {
    replies: cluster ? new RedisUploadReplies(cluster.redis, { prefix: config.REDIS_PREFIX }) : undefined,
    service,
    target,
    config,
    ingest: opts.pipeline ?? ingestPhoto,
    beforeStore: safety.beforeStore,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY_HOPS);
  app.use(securityHeaders({ https: config.PUBLIC_URL?.startsWith('https:') ?? false }));
  app.use('/api', refuseCrossSite);
  app.use(healthRoute(health));
  for (const l of safety.uploadLimiters) app.post('/api/tiles', l.handler);
  app.use(flagRoutes({ ...deps, flags: safety.flags, keys: safety.keys, limiter: safety.flagLimiter }));
  app.use(adminRoutes({ ...deps, flags: safety.flags, loginLimiter: safety.loginLimiter }));
  app.use(tileRoutes(deps));
  const mosaic = mosaicRoutes(deps);
  app.use(mosaic.router);
  const pyramid = exportRoutes({ ...deps, loginLimiter: safety.loginLimiter });
  app.use(pyramid.router);
  const print = printRoutes({ ...deps, loginLimiter: safety.loginLimiter });
  app.use(print.router);
  const previews = previewRoutes(deps);
  app.use(previews.router);
  // The live layer is attached below; the route asks it at request time.
  app.use(snapshotRoute(() => ({ ...live.broadcaster.snapshotFrame(), epoch: live.broadcaster.epoch })));
  app.use('/api', notFound);
  app.use(clientRoutes());
  app.use(notFound);
  app.use(errorHandler);

  const httpServer = createServer(app);
  httpServer.requestTimeout = 120_000;
  const live = attachRealtime(httpServer, service.live);
  await safety.attachLive(live.io);

  return {
    httpServer,
    mosaic: service,
    get service(): MosaicService {
      if (!core) throw new Error('cluster mode: the engine lives on the placer');
      return core;
    },
    cluster,
    safety,
    live,
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
    async close() {
      mosaic.atlases.close();
      pyramid.close();
      print.close();
      previews.close();
      safety.close();
      await live.close();
      await new Promise<void>((r) => {
        httpServer.close(() => r());
        httpServer.closeAllConnections();
      });
      await core?.close().catch((e) => console.error('stop: the start-up image could not be written:', e));
      store?.close();
      await cluster?.close();
    },
  };
}
