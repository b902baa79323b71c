import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** Every setting, read once from the environment; see the README's Configuration table. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** The address phones open (QR codes, flyers, link previews), without a trailing slash. */
  PUBLIC_URL: z
    .string()
    .url()
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  DATA_DIR: z.string().default('./data'),
  MOSAIC_TARGET: z.string().optional(),
  MOSAIC_COLS: z.coerce.number().int().min(2).max(4096).default(40),
  MOSAIC_ROWS: z.coerce.number().int().min(2).max(4096).default(40),
  MOSAIC_TINT: z.coerce.number().min(0).max(1).default(0.3),
  MOSAIC_SEED: z.coerce.number().int().default(20170401),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(200).default(20),
  MODERATION: z.enum(['post', 'pre']).default('post'),
  /** `open`: any well-formed rally code; `listed`: only rallies in the admin's registry (else 400 UNKNOWN_EVENT). */
  EVENTS: z.enum(['open', 'listed']).default('open'),
  // Empty (ADMIN_TOKEN= in a .env file) means unset: the admin API is off.
  ADMIN_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  ),
  UPLOAD_RATE_LIMIT: z.coerce.number().int().min(0).default(5),
  UPLOAD_DAILY_LIMIT: z.coerce.number().int().min(0).default(50),
  /** Uploads per minute from one network (address, IPv6 /56), all its browsers together; 0 disables. */
  UPLOAD_NETWORK_RATE_LIMIT: z.coerce.number().int().min(0).default(60),
  /** Uploads per day from one network; 0 disables. */
  UPLOAD_NETWORK_DAILY_LIMIT: z.coerce.number().int().min(0).default(2000),
  DUPLICATE_CHECK: bool.default(true),
  /** Largest pHash Hamming distance (of 64 bits) that counts as the same photo; see test/bench/phash.ts. */
  DUPLICATE_THRESHOLD: z.coerce.number().int().min(0).max(32).default(6),
  /**
   * Flags that hide a tile until an admin looks at it. A flag counts only when both its network
   * (address) and its browser (client id) are new for the tile, so this many different networks.
   */
  FLAG_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(3),
  /**
   * Open live connections per client address (IPv6: per /56); 0 disables. A rally's crowd
   * watching on one venue Wi-Fi (or behind a carrier's NAT) shares one address: 200 lets a
   * crowd in and still stops one machine from holding thousands (~40 KB each).
   */
  SOCKETS_PER_IP: z.coerce.number().int().min(0).default(200),
  /**
   * How long browsers and CDNs may keep a tile image or a versioned atlas block. A delete
   * cannot reach into other people's caches, so this bounds how long a deleted photo can
   * linger there.
   */
  IMAGE_CACHE_SECONDS: z.coerce.number().int().min(0).max(31_536_000).default(86_400),
  /**
   * Mosaics with at most this many tiles send every cell to a viewer at once (12 bytes a
   * tile); bigger ones draw from the live colour pyramid and load cells where the camera is.
   * 0 draws every mosaic from the pyramid.
   */
  VIEW_CELLS_MAX_TILES: z.coerce.number().int().min(0).default(16_384),
  /**
   * Uploads and imports are refused with 507 STORAGE_FULL while the data folder's disk has
   * less than this many MB free (embedded store; a cluster keeps tiles in PostgreSQL).
   */
  MIN_FREE_MB: z.coerce.number().min(0).default(500),
  /** How far V8's heap grows between full collections, in % (server/heapGrowth.ts); 0 is V8's choice. */
  HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(1000).default(200),
  /** HEIC photos decoded at once, each in its own worker thread; unset: one core fewer than the machine's, 1 to 4. */
  HEIC_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Cluster mode: the PostgreSQL database that holds the mosaic (with REDIS_URL). */
  DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
      .optional(),
  ),
  /** Cluster mode: the Redis server for the change stream, counters and short-lived answers. */
  REDIS_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// URL')
      .optional(),
  ),
  /** Prefix of every Redis key of this mosaic (several mosaics can share one Redis). */
  REDIS_PREFIX: z.string().max(64).default('kiss:'),
  /** This node's name in /api/health and the logs (default: host name and process id). */
  NODE_ID: z.string().max(64).optional(),
  /** Cluster mode: how long a request waits for a placer before 503 PLACER_UNAVAILABLE (ms). */
  PLACER_WAIT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
});

export type Config = z.infer<typeof schema> & { targetPath: string; dataDir: string };

/** The project's default target picture. */
export const DEFAULT_TARGET = resolve(import.meta.dirname, '../assets/target.svg');

/** Parses the environment; throws one readable error listing every bad variable. */
export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (!parsed.data.DATABASE_URL !== !parsed.data.REDIS_URL) {
    throw new Error(
      'Invalid configuration:\n  cluster mode needs both DATABASE_URL and REDIS_URL (or neither, for the embedded store)',
    );
  }
  return {
    ...parsed.data,
    dataDir: resolve(parsed.data.DATA_DIR),
    targetPath: resolve(parsed.data.MOSAIC_TARGET ?? DEFAULT_TARGET),
  };
}
