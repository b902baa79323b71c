/**
 * Viewers' reports: POST /api/tiles/:id/flag with JSON `{ reason }` and an `X-Client-Id`
 * header, a random id this browser keeps, so that the server can count distinct flaggers.
 */
import type { FlagReason } from '../../shared/httpApi.ts';
import { apiError } from './api.ts';
import { clientId } from './clientId.ts';

export async function flagTile(id: number, reason: FlagReason): Promise<void> {
  const res = await fetch(`/api/tiles/${id}/flag`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Client-Id': clientId() },
    body: JSON.stringify({ reason }),
  });
  if (!res.ok) throw await apiError(res);
}
