import type { Request } from 'express';
import type { Config } from '../config.ts';
import type { MosaicPort } from '../core/port.ts';
import type { IngestedPhoto, IngestOptions } from '../ingest/pipeline.ts';
import type { Target } from '../ingest/target.ts';
import type { RallyRegistry } from '../rallies/RallyRegistry.ts';
import type { ReplyBook } from './uploadReplies.ts';

/** What the HTTP routes are built from. */
export interface HttpDeps {
  service: MosaicPort;
  target: Target;
  config: Config;
  ingest: (buf: Buffer, opts: IngestOptions) => Promise<IngestedPhoto>;
  /** Optional gate run on a processed photo before it is stored (e.g. duplicate check); throws AppError to refuse. */
  beforeStore?: (photo: IngestedPhoto) => Promise<{ phash: string | null }>;
  /** Where upload answers are kept by Idempotency-Key (default: this process's memory). */
  replies?: ReplyBook;
  /** The rally registry: refuses unknown codes in listed mode and gives each rally's moderation. */
  rallies?: RallyRegistry;
}

/**
 * Cache-Control for a tile image or a versioned atlas block: immutable (the bytes at a URL
 * never change) but only for `seconds` (IMAGE_CACHE_SECONDS), so that a deleted photo leaves
 * browsers and CDNs within that time; 0 makes every use revalidate.
 */
export function imageCaching(seconds: number): string {
  return seconds > 0 ? `public, max-age=${seconds}, immutable` : 'no-cache';
}

/**
 * The site's address as people outside reach it, for what leaves the page (a flyer's QR code, a
 * link preview, the IIIF id): `PUBLIC_URL`, else the address the request came to.
 */
export function siteOrigin(config: Pick<Config, 'PUBLIC_URL'>, req: Request): string {
  return config.PUBLIC_URL ?? `${req.protocol}://${req.get('host')}`;
}
