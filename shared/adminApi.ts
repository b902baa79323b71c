/**
 * The admin API's contract (README "Admin API"), imported by its routes and by the admin page.
 * Every call carries `Authorization: Bearer <ADMIN_TOKEN>`:
 *   GET    /api/admin/queue?limit=N            -> {@link AdminQueue}
 *   GET    /api/admin/tiles/:id/128.webp        -> the image, admins only (so fetched, not <img src>)
 *   POST   /api/admin/approve | reject {ids}    -> { approved | rejected, skipped }
 *   DELETE /api/admin/tiles/:id                 -> 204
 *   POST   /api/admin/takedown {@link Takedown} -> { removed }
 *   POST   /api/admin/import (multipart photo)  -> {@link ImportAnswer}
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

import type { FlagReason } from './httpApi.ts';

/** One tile waiting for review: a pre-moderated upload, or a live tile hidden by flags. */
export interface AdminQueueItem {
  id: number;
  /** The tile's rally code, or null. */
  event: string | null;
  /** ISO 8601. */
  createdAt: string;
  /** Distinct viewers who flagged it. */
  flags: number;
  /** How many of those flags gave each reason. */
  flagReasons: Partial<Record<FlagReason, number>>;
  /** Admin-only URL of the 128 px image. */
  thumbUrl: string;
  /** Admin-only URL of the 512 px image. */
  imageUrl: string;
}

/** `GET /api/admin/queue` answer. */
export interface AdminQueue {
  /** Tiles waiting in all; `items` holds at most `limit` of them, oldest first. */
  total: number;
  items: AdminQueueItem[];
}

/** A block of cells: `cols` x `rows` from (`col`, `row`). */
export interface CellRegion {
  col: number;
  row: number;
  cols: number;
  rows: number;
}

/** What a takedown removes: every tile of a rally (a rally code), or every live tile in a block of cells. */
export type Takedown = { event: string } | { region: CellRegion };

/**
 * `POST /api/admin/import` answer: 201 `imported` (placed), 202 `pending` (stored for review
 * under pre-moderation), or 200 `skipped` when a file with the same bytes was imported
 * before (the tile it became, which may have been removed since).
 *
 * A file sent again with `?resent=1` (an earlier try may have stored it: its answer never came
 * back, or the server failed after storing, as with 503 PLACER_UNAVAILABLE) is answered
 * `skipped` with `ageMs`, how long ago its tile was stored, and `pending` while it waits for
 * review, when that tile still exists: the sender compares the age with the time since its
 * lost try to tell whether that try is what imported it (`outcomeOf` in importFiles.ts).
 */
export type ImportAnswer =
  | { status: 'imported'; id: number; col: number; row: number; seq: number }
  | { status: 'pending'; id: number }
  | { status: 'skipped'; id: number; ageMs?: number; pending?: boolean };
