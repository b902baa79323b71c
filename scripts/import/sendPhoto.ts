import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ImportAnswer } from '../../shared/adminApi.ts';
import type { ImportOutcome } from '../../shared/importFiles.ts';

/** What the server was asked for: where, with which token, and the form's other fields. */
export interface SendTarget {
  server: string;
  token: string;
  event: string | null;
  hideFaces: boolean;
}

/** An answer that stops the whole import (a wrong token, a full or failing disk): no other file can go in. */
export class FatalImportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const FATAL = new Set(['UNAUTHORIZED', 'ADMIN_DISABLED', 'STORAGE_FULL', 'STORAGE_FAILED', 'NOT_FOUND']);
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
    let res: { status: number; statusText: string; body: unknown };
    try {
      res = await post(url, t.token, bytes);
    } catch (e) {
      last = { code: 'NETWORK', message: `The server could not be reached: ${(e as Error).message}` };
      continue;
    }
    const ok = res.status >= 200 && res.status < 300;
    const body = res.body as ImportAnswer | { error?: { code?: string; message?: string } } | null;
    if (ok && body && 'status' in body) return { status: body.status, id: body.id };
    const err = body && 'error' in body ? body.error : undefined;
    last = { code: err?.code ?? `HTTP_${res.status}`, message: err?.message ?? res.statusText };
    if (FATAL.has(last.code)) throw new FatalImportError(last.code, last.message);
    if (!TRANSIENT.has(last.code) && res.status < 500) return { status: 'refused', ...last };
  }
  return { status: 'refused', ...last };
}

// One keep-alive connection per file in flight, reused from file to file.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * POSTs the bytes as the whole body and reads the JSON answer (null when it is not JSON).
 * node:http writes the file's own buffer to the socket; fetch would first copy it into a
 * web stream, a second copy of every photo (docs/BENCHMARKS.md, bulk import).
 */
function post(
  url: URL,
  token: string,
  bytes: Buffer,
): Promise<{ status: number; statusText: string; body: unknown }> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': bytes.length,
        },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {}
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body });
        });
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
