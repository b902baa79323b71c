/**
 * The moderation API's client; its routes and shapes are in shared/adminApi.ts.
 */
import type { AdminQueue, Takedown } from '../../shared/adminApi.ts';
import { apiError } from './api.ts';

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

export async function getQueue(token: string, limit = 200): Promise<AdminQueue> {
  const res = await call(token, 'GET', `/api/admin/queue?limit=${limit}`);
  const body = (await res.json()) as Partial<AdminQueue>;
  const items = Array.isArray(body.items) ? body.items : [];
  return { total: typeof body.total === 'number' ? body.total : items.length, items };
}

/** An admin-only image as a Blob (show it through URL.createObjectURL, revoke it afterwards). */
export async function getImage(token: string, url: string, signal?: AbortSignal): Promise<Blob> {
  const res = await call(token, 'GET', url, undefined, signal);
  return res.blob();
}

/** An admin-only file (a print PDF) as its answer, whose headers say more about it. */
export function getFile(token: string, url: string): Promise<Response> {
  return call(token, 'GET', url);
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
