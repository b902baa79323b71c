/** What moderators see, read as the admin reads it: the queue's tiles and a tile's flags. */
import type { PendingQueue } from '../../server/core/port.ts';
import type { FlagStore } from '../../server/safety/FlagBook.ts';

/** The ids of every tile waiting for review, oldest first: the whole queue that `pending()` pages. */
export async function queuedIds(service: {
  pending(limit: number): Promise<PendingQueue>;
}): Promise<number[]> {
  return (await service.pending(Number.MAX_SAFE_INTEGER)).tiles.map((t) => t.id);
}

/** A tile's distinct flags now, as the queue's summaries give them. */
export async function flagCount(flags: Pick<FlagStore, 'summaries'>, id: number): Promise<number> {
  return (await flags.summaries([id]))[0]!.count;
}
