import type { Config } from '../config.ts';
import type { MosaicPort } from '../core/port.ts';
import { ClientKeys } from '../safety/clientKey.ts';
import { limitSocketsAcrossCluster } from '../safety/clusterSocketLimit.ts';
import { createSafety, type Safety } from '../safety/createSafety.ts';
import { RedisFlags } from '../safety/RedisFlags.ts';
import { sharedKeySecret } from '../safety/redisKeys.ts';
import { redisRateStores } from '../safety/redisRateStore.ts';
import type { ClusterNode } from './startCluster.ts';

/**
 * The safety features of a cluster node: the same limits as a single process, counted for
 * the whole cluster in Redis (address keys from one shared secret, rate limits, flags, live
 * connections per address). The duplicate check is the placer's, over every stored tile.
 */
export async function clusterSafety(
  service: MosaicPort,
  config: Config,
  cluster: ClusterNode,
): Promise<Safety> {
  const { redis } = cluster;
  const prefix = config.REDIS_PREFIX;
  const keys = new ClientKeys(await sharedKeySecret(redis, prefix));
  return createSafety(
    service,
    { ...config, DUPLICATE_CHECK: false },
    {
      keys,
      flags: new RedisFlags(redis, { prefix, threshold: config.FLAG_THRESHOLD }),
      limitStore: redisRateStores(redis, prefix),
      limitSockets: (io, k) =>
        limitSocketsAcrossCluster(io, k, {
          redis,
          prefix,
          nodeId: cluster.node,
          max: config.SOCKETS_PER_IP,
          trustProxyHops: config.TRUST_PROXY_HOPS,
        }),
    },
  );
}
