import type { PendingQueue } from '../../server/core/port.ts';

/** The ids of every tile waiting for review, oldest first: the whole queue that `pending()` pages. */
export async function queuedIds(service: {
  pending(limit: number): Promise<PendingQueue>;
}): Promise<number[]> {
  return (await service.pending(Number.MAX_SAFE_INTEGER)).tiles.map((t) => t.id);
}
