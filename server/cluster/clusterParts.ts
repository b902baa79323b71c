/**
 * What only a cluster node runs, in one module that createApp imports when DATABASE_URL is
 * set: the embedded default never loads pg, ioredis or rate-limit-redis (about 3 MB of heap
 * that every full garbage collection would mark).
 */
export { clusterSafety } from './clusterSafety.ts';
export { PgImportLedger } from './PgImportLedger.ts';
export { startCluster } from './startCluster.ts';
export { openTimelapseLog } from './timelapseLog.ts';
