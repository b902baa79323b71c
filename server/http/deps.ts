import type { Config } from '../config.ts';
import type { MosaicService } from '../core/MosaicService.ts';
import type { IngestedPhoto, IngestOptions } from '../ingest/pipeline.ts';
import type { Target } from '../ingest/target.ts';

/** What the HTTP routes are built from. */
export interface HttpDeps {
  service: MosaicService;
  target: Target;
  config: Config;
  ingest: (buf: Buffer, opts: IngestOptions) => Promise<IngestedPhoto>;
  /** Optional gate run on a processed photo before it is stored (e.g. duplicate check); throws AppError to refuse. */
  beforeStore?: (photo: IngestedPhoto) => Promise<{ phash: string | null }>;
}
