/**
 * Viewers' reports: POST /api/tiles/:id/flag with JSON `{ reason }` and an `X-Client-Id`
 * header, a random id this browser keeps, so that the server can count distinct flaggers.
 */
import { apiError } from './api.ts';

/** The reasons the flag route accepts, in the order the viewer sees them. */
export const FLAG_REASONS = ['sexual', 'violence', 'hate', 'personal-info', 'spam', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

const CLIENT_KEY = 'kiss.client';
let memoryId: string | null = null;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** This browser's client id (22 url-safe characters), made once and kept in localStorage. */
export function clientId(): string {
  try {
    const saved = localStorage.getItem(CLIENT_KEY);
    if (saved && /^[A-Za-z0-9_-]{16,64}$/.test(saved)) return saved;
    const fresh = randomId();
    localStorage.setItem(CLIENT_KEY, fresh);
    return fresh;
  } catch {
    // Storage off (private mode): one id for this page's life.
    memoryId ??= randomId();
    return memoryId;
  }
}

export async function flagTile(id: number, reason: FlagReason): Promise<void> {
  const res = await fetch(`/api/tiles/${id}/flag`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Client-Id': clientId() },
    body: JSON.stringify({ reason }),
  });
  if (!res.ok) throw await apiError(res);
}
