/** HTTP calls to the server. Pages call these; the renderer never does. */
import type {
  CropBox,
  MosaicInfo,
  PreviewAnswer,
  TilePublic,
  TileStatusAnswer,
  UploadAnswer,
} from '../../shared/httpApi.ts';
import { clientId } from './clientId.ts';

/** A failed call: the server's error code (or a client-side one) and its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

/** A failed answer as an ApiError with the server's code and any Retry-After. */
export async function apiError(res: Response): Promise<ApiError> {
  let code = res.status === 401 ? 'UNAUTHORIZED' : res.status === 404 ? 'NOT_FOUND' : 'INTERNAL';
  let message = res.statusText;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON (a proxy's page): keep the status-derived code.
  }
  const ra = Number(res.headers.get('Retry-After'));
  return new ApiError(code, res.status, message, Number.isFinite(ra) && ra > 0 ? ra : null);
}

export async function getMosaic(): Promise<MosaicInfo> {
  const res = await fetch('/api/mosaic', { cache: 'no-store' });
  if (!res.ok) throw await apiError(res);
  return (await res.json()) as MosaicInfo;
}

export async function getTile(id: number): Promise<TilePublic> {
  const res = await fetch(`/api/tiles/${id}`);
  if (!res.ok) throw await apiError(res);
  return (await res.json()) as TilePublic;
}

export function tileUrl(info: Pick<MosaicInfo, 'tileUrl'>, id: number, size: number): string {
  return info.tileUrl.replace('{id}', String(id)).replace('{size}', String(size));
}

export function atlasUrl(
  info: Pick<MosaicInfo, 'atlasUrl'>,
  ax: number,
  ay: number,
  version: number,
): string {
  return `${info.atlasUrl.replace('{ax}', String(ax)).replace('{ay}', String(ay))}?v=${version}`;
}

/** Whether one's own kiss (proved by its delete token) is in the mosaic yet; null once it is deleted. */
export async function tileStatus(id: number, token: string): Promise<TileStatusAnswer | null> {
  const res = await fetch(`/api/tiles/${id}/status`, {
    headers: { Authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  if (res.status === 404) return null;
  if (!res.ok) throw await apiError(res);
  return (await res.json()) as TileStatusAnswer;
}

export async function deleteTile(id: number, token: string): Promise<void> {
  const res = await fetch(`/api/tiles/${id}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status !== 204 && !res.ok) throw await apiError(res);
}

/**
 * Takes out the tile that an upload with this Idempotency-Key stored, if one was (a try whose
 * answer was lost). Resolves when it is out or none was stored; throws when that is not known.
 */
export async function withdrawUpload(key: string): Promise<void> {
  const res = await fetch('/api/tiles/by-key', {
    method: 'DELETE',
    headers: { 'Idempotency-Key': key },
    // A server that never answers is asked again later, not waited for for ever.
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status !== 204 && res.status !== 404) throw await apiError(res);
}

/**
 * Asks the server where it would crop a photo. Send a small upright copy (a few tens of kB):
 * the answer is fractions, so they hold for the full-size photo too. Null when it fails.
 */
export async function previewCrop(small: Blob): Promise<CropBox | null> {
  const form = new FormData();
  form.set('photo', small, 'preview.jpg');
  try {
    const res = await fetch('/api/preview', { method: 'POST', body: form });
    if (!res.ok) return null;
    return ((await res.json()) as PreviewAnswer).crop;
  } catch {
    return null;
  }
}

/** The upload answer: placed at once (201) or waiting for a moderator (202). */
export type UploadResult =
  | ({ status: 'placed' } & UploadAnswer)
  | { status: 'pending'; id: number; deleteToken: string };

/**
 * How long an upload may go without sending a byte, and then wait for its answer once sent,
 * before it counts as a dropped connection (`NETWORK`). A phone that loses its signal often
 * leaves the request hanging rather than failing; the page then sends it again.
 */
export const UPLOAD_STALL_MS = { sending: 30_000, answer: 60_000 } as const;

/**
 * Sends a photo with XMLHttpRequest, because fetch cannot report upload progress.
 * `onProgress` gets 0..1 while the bytes go out. `key` (one per chosen photo, the same on a
 * retry) lets the server answer a retry whose first answer was lost with that answer.
 */
export function uploadTile(
  form: FormData,
  onProgress: (fraction: number) => void,
  key?: string,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        xhr.abort();
        reject(new ApiError('NETWORK', 0, 'stalled'));
      }, ms);
    };
    xhr.open('POST', '/api/tiles');
    xhr.setRequestHeader('X-Client-Id', clientId());
    if (key) xhr.setRequestHeader('Idempotency-Key', key);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      arm(UPLOAD_STALL_MS.sending);
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.upload.onload = () => arm(UPLOAD_STALL_MS.answer);
    xhr.onloadend = () => clearTimeout(watchdog);
    xhr.onerror = () => reject(new ApiError('NETWORK', 0, 'network error'));
    xhr.ontimeout = () => reject(new ApiError('NETWORK', 0, 'timeout'));
    xhr.onload = () => {
      const body = xhr.response as Record<string, unknown> | null;
      if (xhr.status === 201 && body) {
        resolve({ status: 'placed', ...(body as unknown as UploadAnswer) });
      } else if (xhr.status === 202 && body) {
        resolve({ status: 'pending', id: Number(body.id), deleteToken: String(body.deleteToken) });
      } else {
        const err = (body?.error ?? {}) as { code?: string; message?: string };
        const ra = Number(xhr.getResponseHeader('Retry-After'));
        reject(
          new ApiError(
            err.code ?? 'INTERNAL',
            xhr.status,
            err.message ?? '',
            Number.isFinite(ra) && ra > 0 ? ra : null,
          ),
        );
      }
    };
    arm(UPLOAD_STALL_MS.sending);
    xhr.send(form);
  });
}
