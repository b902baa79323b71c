/**
 * The admin page's messages: each status line keeps how to say its message, so that a
 * language change says it again in the new language; and every failed call becomes a
 * translated sentence chosen by the server's error code.
 */
import { eventCodeFromInput } from '../../shared/rally.ts';
import { hasKey, sayIn, t } from '../i18n/index.ts';
import { ApiError } from '../net/api.ts';
import { errorMessage } from './errors.ts';
import { byId } from './header.ts';

/** Shows `text()` in `el` (again after each language change), as an error or not; null clears it. */
export function say(el: HTMLElement, text: (() => string) | null, error = false): void {
  sayIn(el, text);
  el.classList.toggle('error', text !== null && error);
}

/** A failed admin call in words; `notFound` says what a 404 means where it happened. */
export function adminErrorText(err: unknown, notFound?: () => string): string {
  if (!(err instanceof ApiError)) return errorMessage(err);
  if (err.status === 401 || err.code === 'UNAUTHORIZED') return t('admin.badToken');
  if (err.status === 429) return t('admin.error.RATE_LIMITED', { s: err.retryAfterS ?? 60 });
  if (err.code === 'ADMIN_DISABLED') return t('error.ADMIN_DISABLED');
  if (err.status === 400) return t('admin.error.BAD_REQUEST');
  if (err.status === 404 && notFound) return notFound();
  // A 5xx the pages know by its code (a full disk, a cluster between placers) says what it is.
  if (err.status >= 500 && !hasKey(`error.${err.code}`)) return t('error.INTERNAL');
  return errorMessage(err);
}

/** True when the token was refused: the page signs out. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

/**
 * The rally code typed in the field `id`, in its canonical form ("London" is `london`), or null
 * when the field is empty and `required` is not set. What is no rally code ("Berlin 2026"), or
 * an empty field that must hold one, gives undefined: the problem is said in `msg` and the focus
 * goes to the field, so that nothing is done without the rally the organiser meant.
 */
export function rallyField(id: string, msg: HTMLElement, required = false): string | null | undefined {
  const field = byId<HTMLInputElement>(id);
  const code = eventCodeFromInput(field.value);
  if (code || (!required && !field.value.trim())) return code;
  say(msg, () => t('admin.badRally'), true);
  field.focus();
  return undefined;
}
