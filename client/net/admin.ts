/**
 * The moderation API's client; its routes and shapes are in shared/adminApi.ts.
 */
import type { AdminQueue, ImportAnswer, Takedown } from '../../shared/adminApi.ts';
import { PROXY_NO_ANSWER_STATUSES } from '../../shared/httpApi.ts';
import { type ImportDone, outcomeOf } from '../../shared/importFiles.ts';
import type { Rally, RallyInput, RallyList } from '../../shared/rallies.ts';
import type { TimelapseJob, TimelapseRequest } from '../../shared/timelapse.ts';
import { ApiError, apiError } from './api.ts';
import { backOnline, pause } from './online.ts';

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

/**
 * An admin-only image (a waiting tile's photo), fetched with the token and shown through a blob:
 * URL until {@link release}. Only this page's origin is asked, so the token never goes to
 * another host; an address elsewhere fails as the fetch would.
 */
export class AdminPicture {
  private readonly abort = new AbortController();
  private url: string | null = null;
  /** The blob: URL to show; rejects with the fetch's error, or once released. */
  readonly ready: Promise<string>;

  constructor(token: string, src: string) {
    this.ready =
      new URL(src, location.href).origin === location.origin
        ? getImage(token, src, this.abort.signal).then((blob) => {
            this.abort.signal.throwIfAborted();
            this.url = URL.createObjectURL(blob);
            return this.url;
          })
        : Promise.reject(new Error(`not this origin: ${src}`));
    this.ready.catch(() => {});
  }

  /** Released: a failure of {@link ready} is this, not the image's. */
  get released(): boolean {
    return this.abort.signal.aborted;
  }

  /** Stops the download and revokes the blob: URL. */
  release(): void {
    this.abort.abort();
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }
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

/** Queues a timelapse video; resolves to its job id. */
export async function startTimelapse(token: string, body: TimelapseRequest): Promise<string> {
  const res = await call(token, 'POST', '/api/admin/timelapse', body);
  return ((await res.json()) as { id: string }).id;
}

/** Every video job the server holds, oldest first. */
export async function getJobs(token: string): Promise<TimelapseJob[]> {
  const res = await call(token, 'GET', '/api/admin/jobs');
  return ((await res.json()) as { jobs: TimelapseJob[] }).jobs;
}

export async function getJob(token: string, id: string): Promise<TimelapseJob> {
  return (await (
    await call(token, 'GET', `/api/admin/jobs/${encodeURIComponent(id)}`)
  ).json()) as TimelapseJob;
}

/** Cancels a waiting or running job (a finished one is forgotten). */
export async function cancelJob(token: string, id: string): Promise<TimelapseJob> {
  const res = await call(token, 'DELETE', `/api/admin/jobs/${encodeURIComponent(id)}`);
  return (await res.json()) as TimelapseJob;
}

/** A finished video as a Blob (admins only, so fetched; link to it through URL.createObjectURL). */
export async function getVideo(token: string, url: string): Promise<Blob> {
  return (await call(token, 'GET', url)).blob();
}

/** The rally registry, in code order. */
export async function listRallies(token: string): Promise<Rally[]> {
  const res = await call(token, 'GET', '/api/admin/rallies');
  return ((await res.json()) as RallyList).rallies;
}

/** Creates a rally, or with `existing` edits it (its code stays). */
export async function saveRally(token: string, input: RallyInput, existing: boolean): Promise<Rally> {
  const res = existing
    ? await call(token, 'PUT', `/api/admin/rallies/${encodeURIComponent(input.code)}`, input)
    : await call(token, 'POST', '/api/admin/rallies', input);
  return (await res.json()) as Rally;
}

/** Answers worth sending the same file again for, after a pause (the server's ledger keeps it once). */
const PASSING = new Set(['IMPORT_IN_PROGRESS', 'PLACER_UNAVAILABLE', 'STORE_UNAVAILABLE', 'RATE_LIMITED']);

/**
 * Whether a failed call got no answer from the server: no connection at all (fetch's
 * TypeError, a timeout), or a proxy's page saying the server behind it does not answer.
 */
export const unreachable = (err: unknown): boolean =>
  !(err instanceof ApiError) || (err.code === 'INTERNAL' && PROXY_NO_ANSWER_STATUSES.has(err.status));

/**
 * How long one photo's request may take before its connection counts as dead (a Wi-Fi drop
 * leaves a request hanging, with nothing to end it): 30 s, plus its upload at 256 kbit/s.
 */
export const stallMs = (bytes: number): number => 30_000 + bytes / 32;

/** How a photo's sending goes: `waiting` says when the server cannot be reached, and again (false) once it answers. */
export interface ImportSend {
  signal: AbortSignal;
  waiting(on: boolean): void;
}

/**
 * Sends one photo to `POST /api/admin/import`, again after passing trouble (up to `tries`
 * times); a refusal throws the server's ApiError. A request that gets no answer (offline, a
 * dead connection) is not the photo's fault: it is sent again once the browser is online, for
 * as long as it takes, until `send.signal` stops the import (it then rejects with its reason).
 * A photo that a try did import though its answer was lost (or was a server failure, as 503
 * PLACER_UNAVAILABLE: stored, not yet placed) counts as imported, not as imported before.
 */
export async function importPhoto(
  token: string,
  photo: Blob,
  name: string,
  fields: { event: string | null; hideFaces: boolean },
  send: ImportSend,
  tries = 6,
): Promise<ImportDone> {
  let lost = 0;
  // When the first try that may have imported the photo began (no answer, or a server failure).
  let lostTryAt: number | null = null;
  for (let attempt = 1; ; ) {
    const form = new FormData();
    form.set('photo', photo, name);
    if (fields.event) form.set('event', fields.event);
    if (fields.hideFaces) form.set('hideFaces', '1');
    let answer: ImportAnswer | null = null;
    let err: unknown = null;
    const began = Date.now();
    try {
      const res = await fetch(lostTryAt === null ? '/api/admin/import' : '/api/admin/import?resent=1', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: form,
        cache: 'no-store',
        signal: AbortSignal.timeout(stallMs(photo.size)),
      });
      if (res.ok) answer = (await res.json()) as ImportAnswer;
      else err = await apiError(res);
    } catch (e) {
      err = e;
    }
    // No answer, or a proxy's page saying the server behind it does not answer (it restarts).
    if (err !== null && unreachable(err)) {
      lostTryAt ??= began;
      send.signal.throwIfAborted();
      send.waiting(true);
      await backOnline(send.signal);
      await pause(Math.min(10_000, 400 * 2 ** lost++), send.signal);
      continue;
    }
    if (lost) send.waiting(false);
    lost = 0;
    if (answer !== null) return outcomeOf(answer, lostTryAt);
    if (!(err instanceof ApiError)) throw err;
    if (!PASSING.has(err.code) || attempt >= tries) throw err;
    if (err.status >= 500) lostTryAt ??= began;
    await pause((err.retryAfterS ?? 0) * 1000 || 400 * 2 ** attempt, send.signal);
    attempt++;
  }
}
