import type { ImportAnswer } from '../../shared/adminApi.ts';
import type { ImportOutcome } from '../../shared/importFiles.ts';

/** What the server was asked for: where, with which token, and the form's other fields. */
export interface SendTarget {
  server: string;
  token: string;
  event: string | null;
  hideFaces: boolean;
}

/** An answer that stops the whole import (a wrong token, a full disk): no other file can go in. */
export class FatalImportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const FATAL = new Set(['UNAUTHORIZED', 'ADMIN_DISABLED', 'STORAGE_FULL', 'NOT_FOUND']);
/** Worth sending again after a pause: the same file, the same bytes, so never imported twice. */
const TRANSIENT = new Set(['IMPORT_IN_PROGRESS', 'PLACER_UNAVAILABLE', 'STORE_UNAVAILABLE', 'RATE_LIMITED']);
const TRIES = 8;

/** Sends one file to `POST /api/admin/import`, trying again on passing trouble; refusals come back as outcomes. */
export async function sendPhoto(t: SendTarget, bytes: Buffer): Promise<ImportOutcome> {
  let last: { code: string; message: string } = { code: 'NETWORK', message: 'not sent' };
  const url = new URL('/api/admin/import', t.server);
  if (t.event) url.searchParams.set('event', t.event);
  if (t.hideFaces) url.searchParams.set('hideFaces', '1');
  for (let attempt = 0; attempt < TRIES; attempt++) {
    if (attempt > 0) await sleep(Math.min(10_000, 500 * 2 ** (attempt - 1)));
    let res: Response;
    try {
      // The bytes as the whole body: no multipart to encode here or to parse there.
      res = await fetch(url, {
        method: 'POST',
        body: bytes as Uint8Array<ArrayBuffer>,
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/octet-stream' },
      });
    } catch (e) {
      last = { code: 'NETWORK', message: `The server could not be reached: ${(e as Error).cause ?? e}` };
      continue;
    }
    const body = (await res.json().catch(() => null)) as
      | ImportAnswer
      | { error?: { code?: string; message?: string } }
      | null;
    if (res.ok && body && 'status' in body) return { status: body.status, id: body.id };
    const err = body && 'error' in body ? body.error : undefined;
    last = { code: err?.code ?? `HTTP_${res.status}`, message: err?.message ?? res.statusText };
    if (FATAL.has(last.code)) throw new FatalImportError(last.code, last.message);
    if (!TRANSIENT.has(last.code) && res.status < 500) return { status: 'refused', ...last };
  }
  return { status: 'refused', ...last };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
