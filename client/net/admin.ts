/**
 * The moderation API (README "Admin API"). Every call carries `Authorization: Bearer <ADMIN_TOKEN>`:
 *   GET    /api/admin/queue?limit=N            -> { total, items: [QueueItem] }
 *   GET    /api/admin/tiles/:id/128.webp        -> the image, admins only (so fetched, not <img src>)
 *   POST   /api/admin/approve | reject {ids}    -> { approved | rejected, skipped }
 *   DELETE /api/admin/tiles/:id                 -> 204
 *   POST   /api/admin/takedown {event} | {region} -> { removed }
 */
import { apiError } from './api.ts';
import type { FlagReason } from './flag.ts';

/** One tile waiting for review: a pre-moderated upload, or a live tile hidden by flags. */
export interface QueueItem {
  id: number;
  event: string | null;
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

export interface Queue {
  /** Tiles waiting in all; `items` holds at most `limit` of them, oldest first. */
  total: number;
  items: QueueItem[];
}

/** What a takedown removes: every tile of a rally, or every live tile in a block of cells. */
export type Takedown =
  | { event: string }
  | { region: { col: number; row: number; cols: number; rows: number } };

async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    cache: 'no-store',
    body: body === undefined ? null : JSON.stringify(body),
    signal: signal ?? null,
  });
  if (!res.ok) throw await apiError(res);
  return res;
}

export async function getQueue(token: string, limit = 200): Promise<Queue> {
  const res = await call(token, 'GET', `/api/admin/queue?limit=${limit}`);
  const body = (await res.json()) as Partial<Queue>;
  const items = Array.isArray(body.items) ? body.items : [];
  return { total: typeof body.total === 'number' ? body.total : items.length, items };
}

/** An admin-only image as a Blob (show it through URL.createObjectURL, revoke it afterwards). */
export async function getImage(token: string, url: string, signal?: AbortSignal): Promise<Blob> {
  const res = await call(token, 'GET', url, undefined, signal);
  return res.blob();
}

export interface Verdict {
  /** Ids the server decided now. */
  done: number[];
  /** Ids it skipped: no longer waiting (decided elsewhere, or gone). */
  skipped: number[];
}

export async function decide(token: string, ids: number[], verdict: 'approve' | 'reject'): Promise<Verdict> {
  const res = await call(token, 'POST', `/api/admin/${verdict}`, { ids });
  const body = (await res.json()) as { approved?: number[]; rejected?: number[]; skipped?: number[] };
  return { done: (verdict === 'approve' ? body.approved : body.rejected) ?? [], skipped: body.skipped ?? [] };
}

export async function removeTile(token: string, id: number): Promise<void> {
  await call(token, 'DELETE', `/api/admin/tiles/${id}`);
}

/** Removes every tile the selection names; resolves to how many went. */
export async function takedown(token: string, what: Takedown): Promise<number> {
  const res = await call(token, 'POST', '/api/admin/takedown', what);
  const { removed } = (await res.json()) as { removed?: number[] | number };
  return Array.isArray(removed) ? removed.length : (removed ?? 0);
}
