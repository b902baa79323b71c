/**
 * The moderation API as this page expects it (issue 6 defines it; adjust here when it lands):
 *   GET    /api/admin/queue                 -> { items: [{ id, event, createdAt, thumbUrl? }] }
 *   POST   /api/admin/tiles/:id/approve     -> 204
 *   POST   /api/admin/tiles/:id/reject      -> 204
 *   DELETE /api/admin/tiles/:id             -> 204
 * Every call carries `Authorization: Bearer <ADMIN_TOKEN>`.
 */
import { ApiError } from './api.ts';

export interface QueueItem {
  id: number;
  event: string | null;
  createdAt: string;
  thumbUrl?: string;
}

async function call(token: string, method: string, path: string): Promise<Response> {
  const res = await fetch(path, { method, headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) {
    let code = res.status === 401 ? 'UNAUTHORIZED' : res.status === 404 ? 'NOT_FOUND' : 'INTERNAL';
    try {
      code = ((await res.json()) as { error?: { code?: string } }).error?.code ?? code;
    } catch {
      // Keep the status-derived code.
    }
    throw new ApiError(code, res.status, res.statusText);
  }
  return res;
}

export async function getQueue(token: string): Promise<QueueItem[]> {
  const res = await call(token, 'GET', '/api/admin/queue');
  const body = (await res.json()) as { items?: QueueItem[] } | QueueItem[];
  return Array.isArray(body) ? body : (body.items ?? []);
}

export async function decide(token: string, id: number, verdict: 'approve' | 'reject'): Promise<void> {
  await call(token, 'POST', `/api/admin/tiles/${id}/${verdict}`);
}

export async function removeTile(token: string, id: number): Promise<void> {
  await call(token, 'DELETE', `/api/admin/tiles/${id}`);
}
