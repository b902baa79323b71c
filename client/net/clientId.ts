/**
 * This browser's id: random, made once and kept in localStorage, sent as `X-Client-Id` with
 * uploads (each browser has an upload budget of its own, so a crowd behind one address is
 * not held to one person's) and reports (the server counts distinct flaggers). The server
 * only ever keeps it hashed, in memory.
 */

const CLIENT_KEY = 'kiss.client';
let memoryId: string | null = null;

/** 16 random bytes as 22 url-safe characters. */
export function randomId(): string {
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
