import { hasKey, t } from '../i18n/index.ts';
import { ApiError } from '../net/api.ts';

/** A friendly, translated sentence for any failure of an API call. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const key = `error.${err.code}`;
    if (hasKey(key)) return t(key, { s: err.retryAfterS ?? 60 });
    if (err.status === 413) return t('error.FILE_TOO_LARGE');
    if (err.status === 415) return t('error.UNSUPPORTED_FORMAT');
    if (err.status === 429) return t('error.RATE_LIMITED', { s: err.retryAfterS ?? 60 });
    if (err.status === 0) return t('error.NETWORK');
  }
  if (err instanceof TypeError) return t('error.NETWORK');
  return t('error.INTERNAL');
}

/** "Reload", for a page that cannot go on until it is reloaded (a new version is out). */
export function reloadButton(): HTMLButtonElement {
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.className = 'status-reload';
  reload.textContent = t('status.reload');
  reload.addEventListener('click', () => location.reload());
  return reload;
}
