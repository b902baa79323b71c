import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImportAnswer } from '../../shared/adminApi.ts';
import { IMPORT_STOPPING_CODES, PROXY_NO_ANSWER_STATUSES } from '../../shared/httpApi.ts';
import { type ImportOutcome, outcomeOf } from '../../shared/importFiles.ts';

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

/** The import's stopping refusals, and NOT_FOUND: a server without the import route. */
const FATAL = new Set<string>([...IMPORT_STOPPING_CODES, 'NOT_FOUND']);
/** Worth sending again after a pause: the same file, the same bytes, so never imported twice. */
const TRANSIENT = new Set(['IMPORT_IN_PROGRESS', 'PLACER_UNAVAILABLE', 'STORE_UNAVAILABLE', 'RATE_LIMITED']);
const TRIES = 8;

/** How long the sender waits for a server that does not answer. */
export interface LinkLimits {
  /** A request whose connection carries nothing for this long is given up and sent again (a connection a Wi-Fi drop left dead). */
  idleMs: number;
  /** Once the server has answered in this run: how long it may then stay unreachable before the import stops. */
  outageMs: number;
  /** Before it ever answered (a wrong --server, a server not started): how long it is tried. */
  firstContactMs: number;
  /** The longest pause between two tries of a file (they double from 0.5 s up to this). */
  maxPauseMs: number;
}

export const LINK_LIMITS: LinkLimits = {
  idleMs: 60_000,
  outageMs: 10 * 60_000,
  firstContactMs: 15_000,
  maxPauseMs: 10_000,
};

/**
 * Whether the server answers, shared by every file in flight: a connection that fails is the
 * server's or the network's trouble, not the file's, so no file is refused for it. The files
 * wait together, and the import stops (SERVER_UNREACHABLE) only once the server has been out
 * of reach longer than the limits allow.
 */
export class ServerLink {
  private answered = false;
  private downSince: number | null = null;
  private lastError = '';

  constructor(
    readonly limits: LinkLimits = LINK_LIMITS,
    /** Told when the server stops answering (with since when and why) and when it answers again (null). */
    private readonly onChange: (down: { since: number; error: string } | null) => void = () => {},
  ) {}

  /** An answer came (any HTTP status). */
  up(): void {
    this.answered = true;
    if (this.downSince === null) return;
    this.downSince = null;
    this.onChange(null);
  }

  /** A request got no answer: throws once the server has been out of reach too long. */
  down(server: string, error: Error): void {
    this.lastError = error.message;
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.onChange({ since: this.downSince, error: error.message });
    }
    const limit = this.answered ? this.limits.outageMs : this.limits.firstContactMs;
    if (Date.now() - this.downSince < limit) return;
    throw new FatalImportError(
      'SERVER_UNREACHABLE',
      this.answered
        ? `The server has not answered for ${limit >= 120_000 ? `${Math.round(limit / 60_000)} minutes` : `${Math.round(limit / 1000)} s`} (${this.lastError}). Run the same import again once it is back: nothing is imported twice.`
        : `The server could not be reached at ${server} (${this.lastError}). Check --server and that the server runs.`,
    );
  }
}

/**
 * Sends one file to `POST /api/admin/import`, trying again on passing trouble; refusals come
 * back as outcomes. While the server cannot be reached the file waits (see ServerLink). Sent
 * again after a try that may have stored it (`?resent=1`: its answer never came, or the server
 * failed after storing, as with 503 PLACER_UNAVAILABLE), a file that try imported counts as
 * imported, not as imported before (`outcomeOf`).
 */
export async function sendPhoto(
  t: SendTarget,
  bytes: Buffer,
  link = new ServerLink(),
  /** Ends the waits between tries (the command interrupted, or the import stopped): the file then rejects with an AbortError, not done. */
  signal?: AbortSignal,
): Promise<ImportOutcome> {
  let last: { code: string; message: string } = { code: 'NETWORK', message: 'not sent' };
  const url = new URL('/api/admin/import', t.server);
  if (t.event) url.searchParams.set('event', t.event);
  if (t.hideFaces) url.searchParams.set('hideFaces', '1');
  let lost = 0;
  // When the first try that may have imported the file began (no answer, or a server failure).
  let lostTryAt: number | null = null;
  const mayHaveStored = (began: number) => {
    lostTryAt ??= began;
    url.searchParams.set('resent', '1');
  };
  for (let attempt = 0; attempt < TRIES; ) {
    // No answer: no connection, a dead one, or a proxy in front saying the server behind it
    // does not answer (it restarts). The file waits with the others (ServerLink).
    let res: { status: number; statusText: string; body: unknown } | null = null;
    let lostBy: Error | null = null;
    const began = Date.now();
    try {
      res = await post(url, t.token, bytes, link.limits.idleMs);
    } catch (e) {
      lostBy = e as Error;
    }
    const body = res?.body as ImportAnswer | { error?: { code?: string; message?: string } } | null;
    const err = body && 'error' in body ? body.error : undefined;
    if (res && !err?.code && PROXY_NO_ANSWER_STATUSES.has(res.status))
      lostBy = new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    if (lostBy || !res) {
      mayHaveStored(began);
      link.down(t.server, lostBy ?? new Error('no answer'));
      await sleep(Math.min(link.limits.maxPauseMs, 500 * 2 ** lost++), undefined, { signal });
      continue;
    }
    link.up();
    lost = 0;
    attempt++;
    const ok = res.status >= 200 && res.status < 300;
    if (ok && body && 'status' in body) return outcomeOf(body, lostTryAt);
    last = { code: err?.code ?? `HTTP_${res.status}`, message: err?.message ?? res.statusText };
    if (FATAL.has(last.code)) throw new FatalImportError(last.code, last.message);
    if (!TRANSIENT.has(last.code) && res.status < 500) return { status: 'refused', ...last };
    if (res.status >= 500) mayHaveStored(began);
    if (attempt < TRIES)
      await sleep(Math.min(link.limits.maxPauseMs, 500 * 2 ** (attempt - 1)), undefined, { signal });
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
  idleMs: number,
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
    // Nothing sent or received for idleMs: the connection is given up (its socket too, so the
    // next try opens a new one) and the file is sent again.
    req.setTimeout(idleMs, () => req.destroy(new Error(`no answer for ${Math.round(idleMs / 1000)} s`)));
    req.end(bytes);
  });
}
